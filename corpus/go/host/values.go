package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"unicode/utf8"
)

// The transcript's value encoding. Every value is written by its Go type so
// that the emulator's Python values can be compared exactly:
//
//	bool, ints, uints     JSON true/false and exact integers
//	floats                strconv.FormatFloat(x, 'g', -1, bits), e.g. "2.5", "NaN", "-0"
//	complex               [real, imag] as floats
//	string                a JSON string; invalid UTF-8 as {"utf8_hex": "..."}
//	[]byte                {"hex": "..."}
//	slices, arrays        lists (nil slice: null)
//	maps                  [[key, value], ...] sorted by the key's encoding (nil map: null)
//	structs               {"Field": value, ...}
//	pointers              {"*": value} (nil: null)
//	interfaces            {"T": dynamic type, "V": value}, plus "Error" for errors (nil: null)
//	funcs                 "func" (nil: null)
//	chans                 {"chan": cap} (nil: null)
//
// A top-level value is {"T": static type, "V": value}.

const maxDepth = 32

func encodeTop(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	return map[string]any{"T": v.Type().String(), "V": encode(v, 0)}
}

func formatFloat(f float64, bits int) string {
	return strconv.FormatFloat(f, 'g', -1, bits)
}

func encode(v reflect.Value, depth int) any {
	if depth > maxDepth {
		return "..."
	}
	switch v.Kind() {
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint()
	case reflect.Float32:
		return formatFloat(v.Float(), 32)
	case reflect.Float64:
		return formatFloat(v.Float(), 64)
	case reflect.Complex64:
		c := v.Complex()
		return []any{formatFloat(real(c), 32), formatFloat(imag(c), 32)}
	case reflect.Complex128:
		c := v.Complex()
		return []any{formatFloat(real(c), 64), formatFloat(imag(c), 64)}
	case reflect.String:
		s := v.String()
		if !utf8.ValidString(s) {
			return map[string]any{"utf8_hex": hex.EncodeToString([]byte(s))}
		}
		return s
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return map[string]any{"hex": hex.EncodeToString(v.Bytes())}
		}
		return encodeList(v, depth)
	case reflect.Array:
		return encodeList(v, depth)
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		return encodeMap(v, depth)
	case reflect.Struct:
		out := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			out[v.Type().Field(i).Name] = encode(v.Field(i), depth+1)
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return map[string]any{"*": encode(v.Elem(), depth+1)}
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		out := map[string]any{"T": v.Elem().Type().String(), "V": encode(v.Elem(), depth+1)}
		if v.CanInterface() {
			if err, ok := v.Interface().(error); ok {
				out["Error"] = err.Error()
			}
		}
		return out
	case reflect.Func:
		if v.IsNil() {
			return nil
		}
		return "func"
	case reflect.Chan:
		if v.IsNil() {
			return nil
		}
		return map[string]any{"chan": v.Cap()}
	case reflect.UnsafePointer:
		if v.IsNil() {
			return nil
		}
		return "unsafe.Pointer"
	}
	panic(fmt.Sprintf("host: cannot encode kind %s", v.Kind()))
}

func encodeList(v reflect.Value, depth int) []any {
	out := make([]any, v.Len())
	for i := range out {
		out[i] = encode(v.Index(i), depth+1)
	}
	return out
}

func encodeMap(v reflect.Value, depth int) []any {
	type pair struct {
		key  []byte
		pair []any
	}
	pairs := make([]pair, 0, v.Len())
	iter := v.MapRange()
	for iter.Next() {
		k := encode(iter.Key(), depth+1)
		kb, err := json.Marshal(k)
		if err != nil {
			panic(err)
		}
		pairs = append(pairs, pair{kb, []any{k, encode(iter.Value(), depth+1)}})
	}
	sort.Slice(pairs, func(i, j int) bool { return bytes.Compare(pairs[i].key, pairs[j].key) < 0 })
	out := make([]any, len(pairs))
	for i, p := range pairs {
		out[i] = p.pair
	}
	return out
}

// decode builds a value of type t from its transcript encoding. For an
// interface parameter it accepts JSON basics (bool, string, an integral
// number as int, any other number as float64, null) or {"T": type, "V": v}
// for the types in ifaceTypes.
func decode(raw json.RawMessage, t reflect.Type) reflect.Value {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		panic(fmt.Sprintf("host: bad argument %s: %v", raw, err))
	}
	return fromJSON(x, t)
}

var ifaceTypes = map[string]reflect.Type{
	"int": reflect.TypeOf(0), "int64": reflect.TypeOf(int64(0)), "uint8": reflect.TypeOf(uint8(0)),
	"float64": reflect.TypeOf(0.0), "string": reflect.TypeOf(""), "bool": reflect.TypeOf(false),
	"[]int": reflect.TypeOf([]int(nil)), "[]string": reflect.TypeOf([]string(nil)),
	"map[string]int": reflect.TypeOf(map[string]int(nil)),
}

func bad(x any, t reflect.Type) string {
	return fmt.Sprintf("host: cannot decode %v as %s", x, t)
}

func fromJSON(x any, t reflect.Type) reflect.Value {
	v := reflect.New(t).Elem()
	if x == nil {
		return v
	}
	switch t.Kind() {
	case reflect.Bool:
		v.SetBool(x.(bool))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(string(x.(json.Number)), 10, 64)
		if err != nil || v.OverflowInt(n) {
			panic(bad(x, t))
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := strconv.ParseUint(string(x.(json.Number)), 10, 64)
		if err != nil || v.OverflowUint(n) {
			panic(bad(x, t))
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(parseFloat(x, t))
	case reflect.Complex64, reflect.Complex128:
		parts := x.([]any)
		ft := reflect.TypeOf(0.0)
		v.SetComplex(complex(parseFloat(parts[0], ft), parseFloat(parts[1], ft)))
	case reflect.String:
		v.SetString(x.(string))
	case reflect.Slice:
		if obj, ok := x.(map[string]any); ok && t.Elem().Kind() == reflect.Uint8 {
			b, err := hex.DecodeString(obj["hex"].(string))
			if err != nil {
				panic(bad(x, t))
			}
			v.SetBytes(b)
			return v
		}
		items := x.([]any)
		v.Set(reflect.MakeSlice(t, len(items), len(items)))
		for i, item := range items {
			v.Index(i).Set(fromJSON(item, t.Elem()))
		}
	case reflect.Array:
		for i, item := range x.([]any) {
			v.Index(i).Set(fromJSON(item, t.Elem()))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(t))
		switch m := x.(type) {
		case map[string]any:
			for k, item := range m {
				v.SetMapIndex(fromJSON(k, t.Key()), fromJSON(item, t.Elem()))
			}
		case []any:
			for _, p := range m {
				kv := p.([]any)
				v.SetMapIndex(fromJSON(kv[0], t.Key()), fromJSON(kv[1], t.Elem()))
			}
		default:
			panic(bad(x, t))
		}
	case reflect.Struct:
		for name, item := range x.(map[string]any) {
			f := v.FieldByName(name)
			if !f.IsValid() {
				panic(bad(x, t))
			}
			f.Set(fromJSON(item, f.Type()))
		}
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		p.Elem().Set(fromJSON(x.(map[string]any)["*"], t.Elem()))
		v.Set(p)
	case reflect.Interface:
		v.Set(fromJSONAny(x, t))
	default:
		panic(bad(x, t))
	}
	return v
}

func parseFloat(x any, t reflect.Type) float64 {
	var s string
	switch f := x.(type) {
	case json.Number:
		s = string(f)
	case string:
		s = f
	default:
		panic(bad(x, t))
	}
	f, err := strconv.ParseFloat(s, t.Bits())
	if err != nil {
		panic(bad(x, t))
	}
	return f
}

func fromJSONAny(x any, t reflect.Type) reflect.Value {
	var dyn reflect.Value
	switch a := x.(type) {
	case bool, string:
		dyn = reflect.ValueOf(a)
	case json.Number:
		if n, err := strconv.ParseInt(string(a), 10, 0); err == nil {
			dyn = reflect.ValueOf(int(n))
		} else {
			dyn = reflect.ValueOf(parseFloat(a, reflect.TypeOf(0.0)))
		}
	case map[string]any:
		typ, ok := ifaceTypes[fmt.Sprint(a["T"])]
		if !ok {
			panic(bad(x, t))
		}
		dyn = fromJSON(a["V"], typ)
	default:
		panic(bad(x, t))
	}
	if !dyn.Type().AssignableTo(t) {
		panic(bad(x, t))
	}
	return dyn
}

// callFunc calls fn with arguments decoded by its parameter types.
func callFunc(fn reflect.Value, args []json.RawMessage) []reflect.Value {
	if fn.Kind() != reflect.Func {
		panic(fmt.Sprintf("host: %s is not a func", fn.Type()))
	}
	ft := fn.Type()
	in := make([]reflect.Value, len(args))
	for i, raw := range args {
		var pt reflect.Type
		switch {
		case ft.IsVariadic() && i >= ft.NumIn()-1:
			pt = ft.In(ft.NumIn() - 1).Elem()
		case i < ft.NumIn():
			pt = ft.In(i)
		default:
			panic(fmt.Sprintf("host: too many arguments for %s", ft))
		}
		in[i] = decode(raw, pt)
	}
	return fn.Call(in)
}

// callMethod calls the named method of recv.
func callMethod(recv reflect.Value, name string, args []json.RawMessage) []reflect.Value {
	m := recv.MethodByName(name)
	if !m.IsValid() {
		panic(fmt.Sprintf("host: %s has no method %s", recv.Type(), name))
	}
	return callFunc(m, args)
}
