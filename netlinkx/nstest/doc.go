// Package nstest gives tests a network namespace of their own, made with
// `ip netns add` and deleted when the test ends, so that integration tests
// compare our tables with `ss`, `ip`, /proc and /sys on a state they built.
package nstest
