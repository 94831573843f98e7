// Package main is a probe plugin: tools/gen_layouts.py builds it with each Go
// release and reads the runtime's and internal/abi's struct layouts and
// constants from its DWARF. It uses reflect so that every type-descriptor
// struct is linked in.
package main

import (
	"fmt"
	"reflect"
)

// Probe describes a value through reflect.
func Probe(v any) string {
	t := reflect.TypeOf(v)
	switch t.Kind() {
	case reflect.Map:
		return fmt.Sprint(t.Key(), t.Elem())
	case reflect.Chan:
		return fmt.Sprint(t.ChanDir(), t.Elem())
	case reflect.Func:
		return fmt.Sprint(t.NumIn(), t.NumOut(), t.IsVariadic())
	case reflect.Struct:
		return fmt.Sprint(t.NumField(), t.Field(0).Tag)
	case reflect.Interface, reflect.Array, reflect.Slice, reflect.Pointer:
		return fmt.Sprint(t.NumMethod(), t.String())
	}
	return t.String()
}
