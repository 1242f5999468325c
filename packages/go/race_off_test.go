//go:build !race

package grantex

const raceEnabled = false
