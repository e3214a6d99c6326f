package textnorm

// Amount is a price or sum of money found in a post.
type Amount struct {
	// Value is the amount with 万/w/k multipliers applied: "5w" is 50000.
	Value float64
	// Currency is "CNY" (¥, 元, 块, rmb), "USD" ($, 美元, usd) or "" when
	// the text does not say.
	Currency string
}

// Entities are the structured facts of one post that detectors and the
// classifier share. The zero value means nothing was found.
type Entities struct {
	URLs      []string // hosts or full URLs as found
	Phones    []string // digits only, e.g. "13812345678"
	WeChatIDs []string
	QQIDs     []string
	Prices    []Amount
	Percents  []float64
	// ReturnClaim is set when a percentage or amount is tied to a return,
	// profit or daily-income word (日收益30%, 年化20%, "20% weekly returns").
	ReturnClaim bool
	Emoji       int // emoji count in the original text
	Hashtags    []string
}
