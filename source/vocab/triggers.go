package vocab

import (
	"fmt"
	"slices"
)

// TriggerTypes are the deployment trigger types Prefect knows.
var TriggerTypes = []string{"event", "metric", "compound", "sequence"}

// IsTriggerType reports whether t is one of [TriggerTypes].
func IsTriggerType(t string) bool { return slices.Contains(TriggerTypes, t) }

// TriggerName is the name Prefect gives the i-th (0-based) trigger of a deployment that names
// none: "<deployment>__automation_<i+1>".
func TriggerName(deployment string, i int) string {
	return fmt.Sprintf("%s%d", TriggerPrefix(deployment), i+1)
}

// TriggerPrefix is how the names Prefect gives a deployment's triggers begin: a name with it
// is the deployment's own automation.
func TriggerPrefix(deployment string) string { return deployment + "__automation_" }
