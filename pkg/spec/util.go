package spec

import (
	"fmt"
	"reflect"
)

func reflectValue(p any) reflect.Value { return reflect.ValueOf(p).Elem() }

func fmtMsg(format string, args ...any) string { return fmt.Sprintf(format, args...) }
