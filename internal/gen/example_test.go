package gen_test

import (
	"fmt"

	"github.com/circleguard/circleguard/internal/gen"
)

func Example() {
	g, err := gen.New(gen.Config{Seed: 42})
	if err != nil {
		panic(err)
	}
	for range 4 {
		it := g.Next()
		fmt.Printf("%s %s %s %v %q\n", it.Post.ID, it.Post.CreatedAt.Format("15:04:05.000"), it.Truth.Kind, it.Truth.Labels, it.Post.Text)
	}
	// Output:
	// p000000001 08:00:00.101 normal [] "分享一篇好文：周末带娃去哪儿玩 https://www.zhihu.com/question/996592976"
	// p000000002 08:00:00.324 brusher [sales brushing] "【今日特价】\n进口正品口红到货啦！\n持久不掉色！显白不挑皮！\n💰240元一支，两支更优惠\n限量98份，先到先得🔥\nVX：lucky-963701❤\n#送礼 #美妆"
	// p000000003 08:00:00.477 normal [] "打车花了23块，心疼❤️🍀"
	// p000000004 08:00:00.655 normal [] "终于吃到了心心念念的生煎，辣到流泪👏"
}

func ExampleBadMessages() {
	for _, b := range gen.BadMessages(1, 3) {
		fmt.Printf("%s %s %d bytes\n", b.Reason, b.Case, len(b.Data))
	}
	// Output:
	// invalid_json not_json 84 bytes
	// invalid_json truncated_json 140 bytes
	// invalid_utf8 invalid_utf8_text 140 bytes
}
