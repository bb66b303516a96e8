package yamlfile

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// PyYAML's implicit resolvers (yaml/resolver.py), in the order it tries them.
var (
	reBool  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	reFloat = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	reInt   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	reNull  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	reTime  = regexp.MustCompile(`^([0-9][0-9][0-9][0-9])-([0-9][0-9]?)-([0-9][0-9]?)(?:(?:[Tt]|[ \t]+)([0-9][0-9]?):([0-9][0-9]):([0-9][0-9])(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9][0-9]?)(?::([0-9][0-9]))?))?)?$`)
	reDate  = regexp.MustCompile(`^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$`)
)

// pyScalar types a scalar as PyYAML's SafeLoader constructs it.
func pyScalar(n *Node, y *yaml.Node) {
	n.Text = y.Value
	v := y.Value
	tag := ""
	switch {
	case y.Style&yaml.TaggedStyle != 0:
		tag = y.Tag
	case y.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		tag = "!!str"
	case y.Tag == "!!merge":
		tag = "!!str" // "<<" outside a key
	default:
		tag = resolvePlain(v)
	}
	switch tag {
	case "!!str":
		n.Kind, n.Str = Str, v
	case "!!null":
		n.Kind = Null
	case "!!bool":
		switch strings.ToLower(v) {
		case "yes", "true", "on":
			n.Kind, n.Bool = Bool, true
		case "no", "false", "off":
			n.Kind, n.Bool = Bool, false
		default:
			problem(n, "%q is not a YAML boolean", v)
			n.Kind, n.Str = Str, v
		}
	case "!!int":
		i, err := pyInt(v)
		if err != nil {
			problem(n, "%q is not a YAML integer: %v", v, err)
			n.Kind, n.Str = Str, v
		} else {
			n.Kind, n.Int = Int, i
		}
	case "!!float":
		f, err := pyFloat(v)
		if err != nil {
			problem(n, "%q is not a YAML float", v)
			n.Kind, n.Str = Str, v
		} else {
			n.Kind, n.Float = Float, f
		}
	case "!!timestamp":
		s, err := pyTimestamp(v)
		if err != nil {
			problem(n, "%q is not a valid YAML timestamp: %v", v, err)
			n.Kind, n.Str = Str, v
		} else {
			n.Kind, n.Str = Time, s
		}
	case "!!value":
		problem(n, "a plain \"=\" cannot be read by yaml.safe_load; quote it")
		n.Kind, n.Str = Str, v
	default:
		problem(n, "the tag %s is not supported (yaml.safe_load cannot read it)", tag)
		n.Kind, n.Str = Str, v
	}
}

// problem records that the schema cannot construct n as written.
func problem(n *Node, format string, args ...any) {
	n.Problems = append(n.Problems, Problem{Kind: Scalar, At: n, Message: fmt.Sprintf(format, args...)})
}

// resolvePlain returns the tag PyYAML's SafeLoader gives a plain scalar.
func resolvePlain(v string) string {
	switch {
	case reBool.MatchString(v):
		return "!!bool"
	case reFloat.MatchString(v):
		return "!!float"
	case reInt.MatchString(v):
		return "!!int"
	case v == "<<":
		return "!!str"
	case reNull.MatchString(v):
		return "!!null"
	case reTime.MatchString(v) && (reDate.MatchString(v) || strings.ContainsAny(v, "Tt \t")):
		return "!!timestamp"
	case v == "=":
		return "!!value"
	}
	return "!!str"
}

// pyInt constructs an integer as PyYAML's construct_yaml_int does.
func pyInt(v string) (int64, error) {
	s := strings.ReplaceAll(v, "_", "")
	sign := int64(1)
	if strings.HasPrefix(s, "-") {
		sign, s = -1, s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	var b big.Int
	var ok bool
	switch {
	case s == "0":
		return 0, nil
	case strings.HasPrefix(s, "0b"):
		_, ok = b.SetString(s[2:], 2)
	case strings.HasPrefix(s, "0x"):
		_, ok = b.SetString(s[2:], 16)
	case strings.HasPrefix(s, "0"):
		_, ok = b.SetString(s[1:], 8)
	case strings.Contains(s, ":"):
		ok = true
		for _, part := range strings.Split(s, ":") {
			p, err := strconv.ParseInt(part, 10, 64)
			if err != nil {
				return 0, err
			}
			b.Mul(&b, big.NewInt(60))
			b.Add(&b, big.NewInt(p))
		}
	default:
		_, ok = b.SetString(s, 10)
	}
	if !ok {
		return 0, fmt.Errorf("malformed")
	}
	b.Mul(&b, big.NewInt(sign))
	if !b.IsInt64() {
		return 0, fmt.Errorf("out of the 64-bit range")
	}
	return b.Int64(), nil
}

// pyFloat constructs a float as PyYAML's construct_yaml_float does.
func pyFloat(v string) (float64, error) {
	s := strings.ToLower(strings.ReplaceAll(v, "_", ""))
	sign := 1.0
	if strings.HasPrefix(s, "-") {
		sign, s = -1, s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	switch {
	case s == ".inf":
		return sign * math.Inf(1), nil
	case s == ".nan":
		return math.NaN(), nil
	case strings.Contains(s, ":"):
		total := 0.0
		for _, part := range strings.Split(s, ":") {
			p, err := strconv.ParseFloat(part, 64)
			if err != nil {
				return 0, err
			}
			total = total*60 + p
		}
		return sign * total, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	return sign * f, err
}

// pyTimestamp constructs a timestamp as PyYAML does and returns the text
// pydantic writes for it in JSON: "2021-01-01" for a date,
// "2021-01-01T00:00:00[.ffffff][Z|±hh:mm]" for a datetime.
func pyTimestamp(v string) (string, error) {
	m := reTime.FindStringSubmatch(v)
	if m == nil {
		return "", fmt.Errorf("malformed")
	}
	num := func(s string) int { i, _ := strconv.Atoi(s); return i }
	year, month, day := num(m[1]), num(m[2]), num(m[3])
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) {
		return "", fmt.Errorf("day is out of range for month")
	}
	if m[4] == "" {
		return fmt.Sprintf("%04d-%02d-%02d", year, month, day), nil
	}
	hour, minute, second := num(m[4]), num(m[5]), num(m[6])
	if hour > 23 || minute > 59 || second > 59 {
		return "", fmt.Errorf("time is out of range")
	}
	out := fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour, minute, second)
	if frac := m[7]; frac != "" {
		if len(frac) > 6 {
			frac = frac[:6]
		}
		frac += strings.Repeat("0", 6-len(frac))
		if frac != "000000" {
			out += "." + frac
		}
	}
	switch {
	case m[9] != "":
		h, mm := num(m[10]), num(m[11])
		if h == 0 && mm == 0 {
			return out + "Z", nil
		}
		if h > 23 || mm > 59 {
			return "", fmt.Errorf("offset is out of range")
		}
		return out + fmt.Sprintf("%s%02d:%02d", m[9], h, mm), nil
	case m[8] == "Z":
		return out + "Z", nil
	}
	return out, nil
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
