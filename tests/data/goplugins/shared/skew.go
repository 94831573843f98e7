//go:build skew

package shared

// Extra exists only in the skewed build of the package.
func Extra() int { return 1 }
