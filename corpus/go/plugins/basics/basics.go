// Package main is the basics corpus plugin: one package-level var of every
// basic kind and of the common composite kinds, each initialised to a
// non-zero value (except the deliberately nil ones), so that a host can look
// them up, load them and store into them.
package main

import (
	"errors"
	"fmt"
)

// Limits is a nested struct used by Config.
type Limits struct {
	Min, Max int32
	Soft     float32
}

// Config is an exported struct with fields of several kinds.
type Config struct {
	Name    string
	Port    uint16
	Ratio   float64
	Enabled bool
	Limits  Limits
	Tags    []string
	Level   int8
}

// Signed integers.
var (
	Int   int   = -1234567
	Int8  int8  = -100
	Int16 int16 = 31000
	Int32 int32 = -2000000000
	Int64 int64 = 9000000000000000000
)

// Unsigned integers.
var (
	Uint    uint    = 4000000000
	Uint8   uint8   = 200
	Uint16  uint16  = 65000
	Uint32  uint32  = 4000000000
	Uint64  uint64  = 18000000000000000000
	Uintptr uintptr = 0x1000
)

// Floating point and complex numbers.
var (
	Float32    float32    = 3.1415927
	Float64    float64    = -2.718281828459045e-7
	Complex64  complex64  = complex(1.5, -0.25)
	Complex128 complex128 = complex(-1e100, 0.1)
)

// Booleans, strings, runes and bytes.
var (
	Bool        = true
	String      = "héllo, wörld ✓ 日本"
	Rune        = 'λ'
	Byte   byte = 'Z'
)

// Slices and arrays.
var (
	Bytes   = []byte{0x00, 0x7f, 0x80, 0xff, 'g', 'o'}
	Ints    = []int{3, -1, 4, -1, 5}
	Strings = []string{"alpha", "", "ünïcode"}
	Array   = [3]int{7, 8, 9}
	Matrix  = [2][2]float64{{1, 0.5}, {-0.25, 1e-3}}
)

// Maps.
var (
	Ages  = map[string]int{"ann": 31, "bob": 27, "cy": 45}
	Names = map[int]string{3: "three", 1: "one", 2: "two", -7: "minus seven"}
)

// Struct values and pointers.
var (
	Conf = Config{
		Name:    "primary",
		Port:    8080,
		Ratio:   0.75,
		Enabled: true,
		Limits:  Limits{Min: -5, Max: 500, Soft: 2.5},
		Tags:    []string{"a", "b"},
		Level:   3,
	}
	ConfPtr = &Config{Name: "pointed", Port: 1, Tags: []string{"p"}}
	NilPtr  *Config
)

// Double is a func-typed var.
var Double = func(x int) int { return 2 * x }

// Zero-ish values: a nil map, an empty but non-nil slice.
var (
	NilMap     map[string]int
	EmptySlice = []int{}
)

// Interface values.
var (
	Any any   = 42
	Err error = errors.New("basic failure")
)

// ApplyDouble calls whatever func Double currently holds.
func ApplyDouble(x int) int { return Double(x) }

// Summary reports some vars as the plugin itself sees them, so that stores
// made by the host can be observed from inside the plugin.
func Summary() string {
	return fmt.Sprintf("Int8=%d Uint64=%d Float32=%v String=%q Ints=%v Ages[ann]=%d NilMap=%v Conf=%s/%d Any=%v",
		Int8, Uint64, Float32, String, Ints, Ages["ann"], NilMap == nil, Conf.Name, Conf.Port, Any)
}
