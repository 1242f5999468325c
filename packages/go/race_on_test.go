//go:build race

package grantex

const raceEnabled = true
