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
	// p000000001 08:00:00.180 network [sales brushing] "又卖爆了\n即食燕窝，一周见效，回购无\u200b数次\u200b的\u200b宝藏\n一周见效，滋补养颜，马来西\u200b亚直\u200b供\n电话13510848398（同微\u200b信）👉\n专\u200b柜1330，我这里只要511🌸\n#滋补"
	// p000000002 08:00:00.360 normal [] "家族微信群里又在转发养生文章😄"
	// p000000003 08:00:00.559 fraud [fraud] "贷款秒批，无视征信，先交175元保证金，VX：coco_447562"
	// p000000004 08:00:00.667 normal [] "Working late again, 9pm and still at my desk"
}

func ExampleBadMessages() {
	for _, b := range gen.BadMessages(1, 3) {
		fmt.Printf("%s %s %d bytes\n", b.Reason, b.Case, len(b.Data))
	}
	// Output:
	// invalid_json not_json 126 bytes
	// invalid_json truncated_json 83 bytes
	// invalid_utf8 invalid_utf8_text 220 bytes
}
