package spec

import (
	"fmt"
	"reflect"
)

func reflectValue(p any) reflect.Value { return reflect.ValueOf(p).Elem() }

func fmtMsg(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// TargetPath is the spec path of a field of target name, the one place such paths are
// built: TargetPath("inference", "copy[0]") is "targets.inference.copy[0]"; with no field,
// the target's own path.
func TargetPath(name string, field ...string) string {
	p := "targets." + name
	for _, f := range field {
		p += "." + f
	}
	return p
}
