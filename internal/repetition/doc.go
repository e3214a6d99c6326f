// Package repetition counts how often a post's author and content repeat:
// the state behind brushing (刷屏) detection.
package repetition
