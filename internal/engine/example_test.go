package engine_test

import (
	"context"
	"fmt"
	"time"

	"github.com/circleguard/circleguard/internal/engine"
	"github.com/circleguard/circleguard/internal/post"
	"github.com/circleguard/circleguard/rules"
)

func ExampleEngine_Decide() {
	e, err := engine.New(rules.DefaultConfig(), engine.DefaultClassifierConfig(), engine.Repetition{})
	if err != nil {
		panic(err)
	}
	p := post.Post{ID: "p1", AuthorID: "a1", Text: "正品面膜 ¥99 包邮！加薇 信 V❤ abc12345 咨询", CreatedAt: time.Now()}
	v, err := e.Decide(context.Background(), &p, time.Now())
	if err != nil {
		panic(err)
	}
	fmt.Println(v.Action, v.Labels)
	for _, r := range v.Reasons {
		if r.Kind == "classifier" {
			fmt.Printf("classifier: sales %.2f\n", r.Probs["sales"])
			continue
		}
		fmt.Println(r.ID, r.Label, r.Evidence)
	}
	// Output:
	// limit [sales]
	// contact.wechat sales abc***
	// price sales ¥99
	// sales.phrase sales 正品
	// classifier: sales 1.00
}
