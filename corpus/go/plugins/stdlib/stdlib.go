// Package main is the stdlib corpus plugin: a larger plugin whose exported
// funcs use encoding/json, regexp, text/template, strings, strconv, sort,
// errors, bytes, unicode and math, and one that prints to stdout.
//
// Only math functions that are correctly rounded on every architecture
// (Sqrt, Hypot on exact ratios, Floor, Abs, Mod) are used, so that results
// match bit for bit on amd64, arm64, ppc64le and s390x.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"unicode"
)

// EncodeJSON encodes m as JSON (keys sorted by encoding/json).
func EncodeJSON(m map[string]int) string {
	b, err := json.Marshal(m)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(b)
}

// DecodeJSON decodes a JSON object. Its errors are syntax errors (a
// *json.SyntaxError) or, for valid JSON that is not an object, an error
// whose text is that of the *json.UnmarshalTypeError (which itself holds a
// reflect.Type, whose internals differ between builds).
func DecodeJSON(s string) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, errors.New(typeErr.Error())
		}
		return nil, err
	}
	return m, nil
}

// Record is a struct with JSON tags.
type Record struct {
	ID    int               `json:"id"`
	Name  string            `json:"name"`
	Score float64           `json:"score,omitempty"`
	Tags  []string          `json:"tags"`
	Extra map[string]string `json:"extra,omitempty"`
	skip  int
}

// RoundTrip decodes s into a Record and encodes it again, indented.
func RoundTrip(s string) (Record, string, error) {
	var r Record
	d := json.NewDecoder(strings.NewReader(s))
	d.DisallowUnknownFields()
	if err := d.Decode(&r); err != nil {
		// A *json.UnmarshalTypeError holds a reflect.Type, whose internals
		// differ between builds: describe it instead of wrapping it.
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return r, "", fmt.Errorf("roundtrip: field %s.%s: cannot use a JSON %s as %s (at offset %d)",
				typeErr.Struct, typeErr.Field, typeErr.Value, typeErr.Type, typeErr.Offset)
		}
		return r, "", fmt.Errorf("roundtrip: %w", err)
	}
	r.skip = 1
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return r, "", err
	}
	return r, buf.String(), nil
}

// Match reports whether pattern matches s.
func Match(pattern, s string) (bool, error) {
	return regexp.MatchString(pattern, s)
}

var dateRE = regexp.MustCompile(`(\d{4})-(\d{2})-(\d{2})`)

// FindDates returns every date in s, each as [whole, year, month, day].
func FindDates(s string) [][]string {
	return dateRE.FindAllStringSubmatch(s, -1)
}

// ReplaceAll replaces every match of pattern in s with repl ($1 expands).
func ReplaceAll(pattern, s, repl string) (string, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return "", err
	}
	return re.ReplaceAllString(s, repl), nil
}

// Render executes tmpl with data.
func Render(tmpl string, data map[string]string) (string, error) {
	t, err := template.New("t").Funcs(template.FuncMap{"upper": strings.ToUpper}).Parse(tmpl)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Words counts the lower-cased words of s, splitting on anything that is not
// a letter or digit.
func Words(s string) map[string]int {
	out := map[string]int{}
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		out[strings.ToLower(w)]++
	}
	return out
}

// TopWords returns the n most frequent words of s, ties in alphabetical order.
func TopWords(s string, n int) []string {
	counts := Words(s)
	words := make([]string, 0, len(counts))
	for w := range counts {
		words = append(words, w)
	}
	sort.Slice(words, func(i, j int) bool {
		if counts[words[i]] != counts[words[j]] {
			return counts[words[i]] > counts[words[j]]
		}
		return words[i] < words[j]
	})
	if n < len(words) {
		words = words[:n]
	}
	return words
}

// SortStrings returns a sorted copy of xs.
func SortStrings(xs []string) []string {
	out := append([]string(nil), xs...)
	sort.Strings(out)
	return out
}

// SortInts sorts xs (stably, by absolute value) and reports whether the
// input was already sorted in that order.
func SortInts(xs []int) ([]int, bool) {
	abs := func(x int) int {
		if x < 0 {
			return -x
		}
		return x
	}
	less := func(i, j int) bool { return abs(xs[i]) < abs(xs[j]) }
	was := sort.SliceIsSorted(xs, less)
	out := append([]int(nil), xs...)
	sort.SliceStable(out, func(i, j int) bool { return abs(out[i]) < abs(out[j]) })
	return out, was
}

// Hypot returns sqrt(a*a + b*b) without undue overflow.
func Hypot(a, b float64) float64 { return math.Hypot(a, b) }

// MathBits returns a few exactly computable results for x.
func MathBits(x float64) (sqrt, floor, abs, mod float64, inf, nan bool) {
	return math.Sqrt(x), math.Floor(x), math.Abs(x), math.Mod(x, 3), math.IsInf(x, 0), math.IsNaN(math.Sqrt(x))
}

// Float64Bits returns the IEEE-754 bits of x and the float back from them.
func Float64Bits(x float64) (uint64, float64) {
	b := math.Float64bits(x)
	return b, math.Float64frombits(b)
}

// Title upper-cases the first letter of every word of s and lower-cases the
// rest, using package unicode.
func Title(s string) string {
	var b strings.Builder
	start := true
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == '-':
			start = true
		case start:
			r = unicode.ToTitle(r)
			start = false
		default:
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Classes counts the runes of s per unicode class.
func Classes(s string) map[string]int {
	out := map[string]int{}
	for _, r := range s {
		switch {
		case unicode.IsUpper(r):
			out["upper"]++
		case unicode.IsLower(r):
			out["lower"]++
		case unicode.IsDigit(r):
			out["digit"]++
		case unicode.IsSpace(r):
			out["space"]++
		case unicode.IsPunct(r):
			out["punct"]++
		case unicode.Is(unicode.Han, r):
			out["han"]++
		default:
			out["other"]++
		}
	}
	return out
}

// ParseInt parses s as a base-10 int64.
func ParseInt(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }

// ParseFloat parses s as a float64.
func ParseFloat(s string) (float64, error) { return strconv.ParseFloat(s, 64) }

// Quote quotes s as Go would, and as ASCII.
func Quote(s string) (string, string) { return strconv.Quote(s), strconv.QuoteToASCII(s) }

// FormatInt formats n in the given base.
func FormatInt(n int64, base int) string { return strconv.FormatInt(n, base) }

// ErrEmpty is returned by Validate.
var ErrEmpty = errors.New("empty input")

// Validate checks s and wraps ErrEmpty or a parse error.
func Validate(s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("validate: %w", ErrEmpty)
	}
	if _, err := strconv.Atoi(s); err != nil {
		return errors.Join(errors.New("validate: not a number"), err)
	}
	return nil
}

// IsEmptyErr reports whether Validate(s) fails because s is empty.
func IsEmptyErr(s string) bool { return errors.Is(Validate(s), ErrEmpty) }

// BytesOps exercises package bytes on b.
func BytesOps(b []byte) (upper []byte, fields int, hasGo bool, trimmed string) {
	return bytes.ToUpper(b), len(bytes.Fields(b)), bytes.Contains(b, []byte("go")), string(bytes.TrimSpace(b))
}

// Print prints its arguments with fmt.Println and fmt.Printf, and returns
// how many bytes Println wrote.
func Print(args ...string) int {
	items := make([]any, len(args))
	for i, a := range args {
		items[i] = a
	}
	n, _ := fmt.Println(items...)
	fmt.Printf("printed %d args\n", len(args))
	return n
}
