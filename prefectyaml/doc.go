// Package prefectyaml reads Prefect's own prefect.yaml files without Python
// and turns their deployment entries into what `prefect deploy` would send.
package prefectyaml
