package classifiers

import "github.com/circleguard/circleguard/internal/textnorm"

// scanNumbers offers contact.phone, contact.number and price for the first
// mobile number, other long number and amount of e. Numbers are masked to
// their first three digits.
func scanNumbers(f *findings, e *textnorm.Entities) {
	if len(e.Phones) > 0 {
		f.offer(slotPhone, weightPhone, mask(e.Phones[0]))
	}
	if len(e.Numbers) > 0 {
		f.offer(slotNumber, weightNumber, mask(e.Numbers[0]))
	}
	if len(e.Prices) > 0 {
		f.offer(slotPrice, weightPrice, e.Prices[0].Text)
	}
}
