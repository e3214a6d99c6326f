// Package post decodes and validates the input contract: one JSON post per
// Kafka message or JSONL line (design.md §2).
//
// Decode never panics on any input; every rejection is a *DecodeError whose
// Reason is one of a small, fixed set of codes suitable for metric labels and
// dead-letter headers. Error messages never contain post text.
package post

import (
	"time"
)

// Post is one social-feed post as the platform publishes it.
// Unknown JSON fields are ignored.
type Post struct {
	ID        string    `json:"id"`
	AuthorID  string    `json:"author_id"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
	// Lang is a hint such as "zh" or "en"; empty means unknown.
	Lang  string   `json:"lang,omitempty"`
	Links []string `json:"links,omitempty"`
	Media []Media  `json:"media,omitempty"`
	// Author carries what the platform knows of the author; nil when absent.
	Author *Author `json:"author,omitempty"`
}

// Media is an attachment reference.
type Media struct {
	Type   string `json:"type"`
	SHA256 string `json:"sha256"`
}

// Author is optional author metadata.
type Author struct {
	AccountCreatedAt *time.Time `json:"account_created_at,omitempty"`
	Friends          *int64     `json:"friends,omitempty"`
}
