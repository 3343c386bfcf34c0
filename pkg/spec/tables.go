package spec

import "regexp"

// The validator's tables: what validation accepts for names, map keys and integers. The
// JSON schema generator (go generate ./pkg/spec) reads them rather than restating them, so
// the two cannot drift apart.

// Name patterns (RE2 and ECMA-262 alike: no lookaround, no backreferences).
const (
	TargetNamePattern  = `^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`
	UserNamePattern    = `^[a-z_][a-z0-9_-]{0,31}$`
	EnvNamePattern     = `^[A-Za-z_][A-Za-z0-9_]*$`
	ContextNamePattern = `^[a-z0-9][a-z0-9_.-]*$`
	SecretIDPattern    = `^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`
	// LabelKeyPattern: a label key is not empty or blank.
	LabelKeyPattern = `\S`
)

// Integer limits.
const (
	// MaxID is the largest uid or gid (2^31-2: 2^31-1 is the overflow id of some tools).
	MaxID = 1<<31 - 2
	// MaxPort is the largest port number.
	MaxPort = 65535
)

// IntRange is the inclusive range validation accepts for an integer field; Max 0 means no
// upper bound.
type IntRange struct{ Min, Max int64 }

// IntRanges are validation's integer rules, by "Type.field" (the Go type and the YAML key).
var IntRanges = map[string]IntRange{
	"User.uid":            {0, MaxID},
	"User.gid":            {0, MaxID},
	"Healthcheck.port":    {1, MaxPort},
	"Healthcheck.retries": {0, 0},
}

// KeyPatterns are validation's rules for the keys of maps, by "Type.field".
var KeyPatterns = map[string]string{
	"Spec.args":     EnvNamePattern,
	"Spec.env":      EnvNamePattern,
	"Target.env":    EnvNamePattern,
	"Spec.labels":   LabelKeyPattern,
	"Target.labels": LabelKeyPattern,
	"Spec.targets":  TargetNamePattern,
}

var (
	targetNameRe  = regexp.MustCompile(TargetNamePattern)
	userNameRe    = regexp.MustCompile(UserNamePattern)
	envNameRe     = regexp.MustCompile(EnvNamePattern)
	contextNameRe = regexp.MustCompile(ContextNamePattern)
	secretIDRe    = regexp.MustCompile(SecretIDPattern)
)
