package gen

import (
	"github.com/circleguard/circleguard/internal/post"
)

// normalPost writes an ordinary user's post into g.buf.
func (g *Generator) normalPost() (lang string, media []post.Media) {
	ts, lang := g.tab.normalZh, "zh"
	if g.r.chance(g.cfg.English) {
		ts, lang = g.tab.normalEn, "en"
	}
	g.expand(ts[g.r.intn(len(ts))])
	g.trimRight() // an empty {emoji} at the end leaves a space
	if g.r.chance(0.08) {
		g.raw(g.r.pick(emoji))
	}
	if len(g.links) == 0 && g.r.chance(0.03) {
		g.raw(" ")
		if lang == "en" {
			enLink(g)
		} else {
			zhLink(g)
		}
	}
	if g.r.chance(0.35) {
		n := 1
		switch u := g.r.intn(20); {
		case u >= 18:
			n = 9 // the full nine-grid
		case u >= 12:
			n = g.r.between(2, 6)
		}
		media = g.photos(n)
	}
	return lang, media
}

// emoji are the emoji of ordinary posts (some with variation selectors).
var emoji = []string{
	"😊", "😄", "🥰", "😂", "👍", "🎉", "✨", "🌸", "💪", "🙏", "❤️", "🔥", "☀️", "🌈",
	"😋", "🤣", "😭", "🥳", "👏", "💯", "🌹", "🍀", "😍", "🤗", "😴", "🙈", "😅", "🍻",
}

// emojiSlot writes nothing (30%), one emoji (55%) or two (15%).
func emojiSlot(g *Generator) {
	switch u := g.r.intn(20); {
	case u < 6:
	case u < 17:
		g.raw(g.r.pick(emoji))
	default:
		g.raw(g.r.pick(emoji))
		g.raw(g.r.pick(emoji))
	}
}

func zhLink(g *Generator) {
	switch g.r.intn(6) {
	case 0:
		g.link("https://www.bilibili.com/video/BV1")
		g.code(alnum, 9)
	case 1:
		g.link("https://mp.weixin.qq.com/s/")
		g.code(alnum, 22)
	case 2:
		g.link("https://www.zhihu.com/question/")
		g.code(decdig, 9)
	case 3:
		g.link("https://www.xiaohongshu.com/explore/")
		g.code(hexdig, 24)
	case 4:
		g.link("https://weibo.com/")
		g.code(decdig, 10)
	default:
		g.link("https://www.douban.com/note/")
		g.code(decdig, 9)
	}
	// link recorded only its prefix: extend the span over the code.
	g.links[len(g.links)-1][1] = len(g.buf)
}

func enLink(g *Generator) {
	switch g.r.intn(6) {
	case 0:
		g.link("https://www.youtube.com/watch?v=")
		g.code(alnum, 11)
	case 1:
		g.link("https://www.bbc.com/news/articles/c")
		g.code(lower, 10)
	case 2:
		g.link("https://en.wikipedia.org/wiki/", g.r.pick([]string{
			"Hiking", "Sourdough", "Mid-Autumn_Festival", "Border_Collie", "Great_Wall_of_China", "Marathon",
		}))
	case 3:
		g.link("https://github.com/", g.r.pick([]string{"golang/go", "torvalds/linux", "rust-lang/rust"}))
		return
	case 4:
		g.link("https://www.nytimes.com/2026/", g.r.pick([]string{"10", "11"}), "/", g.r.pick([]string{
			"well/eat/easy-dinner-recipes.html", "travel/weekend-trips.html", "well/move/running-tips.html",
		}))
		return
	default:
		g.link("https://medium.com/@", g.r.pick([]string{"anna", "tomwrites", "jchen", "dailyrunner"}), "/")
		g.code(lower, 8)
	}
	g.links[len(g.links)-1][1] = len(g.buf)
}

// photos returns n image attachments with random hashes: two allocations.
func (g *Generator) photos(n int) []post.Media {
	b := make([]byte, 64*n)
	for i := 0; i < len(b); i += 16 {
		v := g.r.u64()
		for j := range 16 {
			b[i+j] = hexdig[v&15]
			v >>= 4
		}
	}
	s := string(b)
	m := make([]post.Media, n)
	for i := range m {
		m[i] = post.Media{Type: "image", SHA256: s[64*i : 64*i+64]}
	}
	return m
}

var normalSlots = slots{
	"emoji": emojiSlot,
	"link":  zhLink,

	"weekday":    list("周一", "周二", "周三", "周四", "周五", "星期一", "星期五", "周末"),
	"weekdaynum": list("一", "二", "三", "四", "五", "六", "日"),
	"park": list("公园", "动物园", "植物园", "海洋馆", "游乐场", "科技馆", "湿地公园", "奥森",
		"世纪公园", "图书馆", "儿童乐园", "农家乐摘草莓"),
	"kidaction": list("玩疯了不肯回家", "喂了一下午鸽子", "一路都在问为什么", "回来车上就睡着了",
		"认识了好几个小朋友", "晒黑了一圈", "摔了一跤居然没哭", "非要再来一次"),
	"companion": list("老公", "老婆", "闺蜜", "同事", "大学室友", "爸妈", "孩子们", "老同学", "男朋友", "女朋友"),
	"mountain":  list("香山", "泰山", "黄山", "白云山", "梧桐山", "紫金山", "岳麓山", "灵山", "西山", "华山", "莫干山"),
	"hikefeel": list("累并快乐着", "腿已经不是自己的了", "山顶风景绝了", "下山比上山还累", "明天肯定腿疼",
		"一路都是人"),
	"hour": list("9", "10", "11", "九", "十", "十一", "十二"),
	"tired": list("地铁都快停了", "晚饭都没吃", "打工人太难了", "明天还要早起", "回家只想躺着",
		"项目终于上线了", "困到睁不开眼"),
	"food": list("火锅", "小龙虾", "烤鸭", "螺蛳粉", "煎饼果子", "肠粉", "生煎", "烧烤", "酸菜鱼",
		"热干面", "羊肉串", "椰子鸡", "麻辣烫", "牛肉面", "寿司", "潮汕牛肉火锅", "肉夹馍"),
	"taste": list("绝了", "一般般吧", "排队一小时也值了", "辣到流泪", "好吃到跺脚", "下次还来",
		"有点咸但还不错", "名不虚传"),
	"restaurant": list("楼下那家川菜馆", "海底捞", "一家小馆子", "新开的日料店", "一家老字号",
		"商场顶楼的餐厅", "路边大排档", "朋友推荐的粤菜馆"),
	"dishes":  list("点了一桌子菜", "两个人点了五个菜", "招牌菜全点了", "点少了又加了两个"),
	"bill":    num(38, 260),
	"bigbill": num(300, 1800),
	"verdict": list("值了", "有点贵", "性价比很高", "下次不来了", "还会再来", "味道对得起价格"),
	"homedish": list("红烧肉", "可乐鸡翅", "蛋挞", "番茄炒蛋", "糖醋排骨", "戚风蛋糕", "饺子",
		"酸菜鱼", "提拉米苏", "葱油拌面"),
	"family":     list("老公", "孩子", "全家人", "婆婆", "女儿", "儿子", "爸妈"),
	"praise":     list("比饭店的好吃", "还想吃", "一般般", "可以开店了", "吃得精光"),
	"steps":      num(12000, 36000),
	"headpraise": list("大家觉得怎么样", "是不是很可爱", "女儿帮我选的", "用了五年终于换了"),
	"grouphappen": list("抢红包抢到了0.01元", "又在转发养生文章", "老爸发了个60秒语音",
		"大家在讨论过年去谁家", "姑姑发了张全家福", "表弟宣布要结婚了"),
	"pet":       list("我家猫", "我家狗子", "家里的橘猫", "二哈", "布偶", "小柯基", "家里的鹦鹉"),
	"petaction": list("把沙发抓烂", "偷吃了我的面包", "半夜跑酷", "拆家", "把花盆打翻", "钻进快递箱不出来"),
	"petdaily":  list("打豆豆", "晒太阳", "拆家", "等我回家", "盯着窗外的鸟"),
	"city": list("北京", "上海", "广州", "深圳", "成都", "杭州", "重庆", "西安", "南京", "武汉", "长沙",
		"厦门", "青岛", "大理", "苏州", "哈尔滨"),
	"weatherevent": list("下雪", "下雨", "降温", "出太阳", "刮大风", "起雾"),
	"weatherfeel":  list("出门记得带伞", "冻成狗", "终于凉快了", "心情都好了", "不想上班"),
	"weather":      list("天气真好", "阴天", "下小雨", "阳光明媚", "有点冷", "风很大"),
	"activity":     list("在家看书", "出去走走", "睡懒觉", "晒被子", "去公园野餐", "吃火锅"),
	"festival": list("中秋", "春节", "元旦", "端午", "国庆", "元宵节", "七夕", "母亲节", "父亲节",
		"教师节", "重阳节"),
	"wish": list("祝大家阖家幸福", "身体健康万事如意", "月饼吃了吗", "记得给家里打个电话", "假期愉快"),
	"sight": list("西湖", "外滩", "故宫", "宽窄巷子", "鼓浪屿", "洱海", "长城", "兵马俑", "黄鹤楼",
		"洪崖洞", "拙政园", "中山路", "橘子洲头"),
	"photocap": list("今天的天空好蓝", "路边的小花", "窗外的晚霞", "早餐", "楼下的猫", "周末的阳光",
		"雨后的街道", "办公室的绿植", "回家路上"),
	"book": list("《三体》", "《活着》", "《人类简史》", "《百年孤独》", "《平凡的世界》", "《置身事内》",
		"《额尔古纳河右岸》"),
	"bookverdict": list("后劲很大", "推荐", "有点难读但值得", "看哭了", "一口气读完"),
	"movie": list("《流浪地球》", "《你好，李焕英》", "《热辣滚烫》", "《封神》", "《寻梦环游记》",
		"《哪吒》", "一部老电影"),
	"movieverdict": list("看哭了", "特效不错", "剧情一般", "值得二刷", "全场都在笑"),
	"km":           num(3, 21),
	"runfeel":      list("差点跑不动", "配速还行", "出了一身汗", "坚持就是胜利"),
	"article": list("关于育儿焦虑的一些思考", "年轻人为什么不爱存钱了", "周末带娃去哪儿玩",
		"程序员的中年危机", "怎么做好一锅红烧肉", "一个人的旅行"),
	"kidage":         num(1, 12),
	"subway":         list("一个小朋友在背古诗", "有人在看纸质书", "一对老夫妻手牵手", "一只导盲犬"),
	"subwayfeel":     list("好暖心", "现在很少见了", "忍不住多看了两眼"),
	"taxi":           num(18, 120),
	"parentsthing":   list("带了一大箱家乡菜", "陪他们逛了一天", "妈妈还是那么爱唠叨"),
	"rafflewin":      list("扫地机器人", "一台空气炸锅", "三等奖保温杯", "一箱水果", "购物卡"),
	"pricefeel":      list("物价又涨了", "还算便宜", "菜价比上个月贵了"),
	"workthing":      list("今天开了一天的会", "周报终于写完了", "新项目启动", "季度汇报结束", "带新人的第一周"),
	"tripthing":      list("酒店窗外的风景不错", "晚上去吃了当地的小吃", "开完会就回", "行程满满"),
	"season":         list("春天", "夏天", "秋天", "冬天", "初秋", "深秋"),
	"kidname":        list("儿子", "女儿", "小宝", "大宝", "闺女"),
	"kidskill":       list("骑自行车", "系鞋带", "游泳", "自己穿衣服", "背九九乘法表", "叫爸爸"),
	"sickthing":      list("在家躺了一天", "喝了好多热水", "大家注意保暖", "嗓子疼得说不出话"),
	"hometownfood":   list("腊肉", "粽子", "年糕", "米粉", "酸菜", "糍粑", "月饼"),
	"teamfeel":       list("同事们都玩嗨了", "晒得好黑", "拍了好多照片", "吃得太撑了"),
	"years":          num(1, 20),
	"anniv":          list("感谢一路有你", "时间过得真快", "吃了顿好的庆祝"),
	"enlink":         enLink,
	"enweekday":      list("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
	"enpark":         list("the zoo", "the park", "the aquarium", "the science museum", "the beach", "the library", "a farm"),
	"enkid":          list("they didn't want to leave", "so many questions", "both asleep in the car", "best day ever"),
	"enmountain":     list("Lion Rock", "the Dragon's Back trail", "Mount Tam", "Ben Nevis", "the hill behind our place"),
	"encompanion":    list("the family", "my wife", "my husband", "old friends", "the team", "my parents", "my sister"),
	"enhike":         list("Legs are dead", "The view was worth it", "Way more people than expected", "Perfect weather"),
	"enhour":         list("9pm", "10pm", "11pm", "almost midnight"),
	"enfood":         list("the ramen", "dim sum", "the dumplings", "Korean BBQ", "the tacos", "hotpot", "the croissants"),
	"enrestaurant":   list("that new place downtown", "the corner bistro", "a tiny noodle bar", "our favourite diner"),
	"entaste":        list("Absolutely worth the queue", "Meh", "10/10 would go again", "Too salty for me", "So good"),
	"enverdict":      list("worth every cent", "a bit pricey", "great value", "not going back"),
	"endish":         list("sourdough", "lasagna", "banana bread", "dumplings", "a birthday cake", "pad thai"),
	"enfamily":       list("the kids", "my partner", "everyone", "my mum"),
	"enpraise":       list("loved it", "asked for seconds", "were polite about it", "want it every week"),
	"enpet":          list("The cat", "Our dog", "The puppy", "Our parrot", "The kitten"),
	"enpetaction":    list("stole my sandwich", "knocked the plant over", "ate a sock", "woke us up at 5am", "won't leave the box"),
	"enfestival":     list("Mid-Autumn Festival", "Lunar New Year", "Thanksgiving", "Christmas", "New Year", "Halloween", "Mother's Day"),
	"enwish":         list("Wishing everyone a great one", "Stay safe and eat well", "Call your parents", "Enjoy the break"),
	"ensight":        list("the pier", "the harbour", "the old town", "the lake", "Victoria Peak", "the Bund"),
	"enbook":         list("The Three-Body Problem", "Project Hail Mary", "Sapiens", "Educated", "Tomorrow, and Tomorrow, and Tomorrow"),
	"enbookverdict":  list("Highly recommend", "Took me forever but worth it", "Couldn't put it down", "Overrated, sorry"),
	"enrun":          list("new personal best", "slow but steady", "so humid", "legs complained the whole way"),
	"enarticle":      list("why we stopped cooking", "the science of sleep", "how to plan a weekend trip", "raising bilingual kids"),
	"enactivity":     list("reading", "baking", "a long nap", "board games", "doing nothing"),
	"encity":         list("Hong Kong", "Singapore", "London", "Vancouver", "Sydney", "Shanghai", "Kuala Lumpur", "Toronto"),
	"engroup":        list("arguing about dinner plans", "sharing memes", "planning Christmas", "full of baby photos"),
	"enraffle":       list("a robot vacuum", "a gift card", "an air fryer", "a fruit basket"),
	"enmovie":        list("Past Lives", "Everything Everywhere All at Once", "Inside Out 2", "Dune"),
	"enmovieverdict": list("cried twice", "the visuals were stunning", "a bit long", "go see it"),
	"enprice":        list("prices are wild", "not too bad", "eggs cost a fortune now"),
	"entrip":         list("nice view from the hotel", "meetings all day", "found a great noodle place", "back on Friday"),
	"enseason":       list("Autumn", "Winter", "Spring", "Summer"),
	"enphoto":        list("morning light", "street corner", "the view from my desk", "lunch", "the neighbour's cat"),
	"enteam":         list("great fun", "sunburnt", "too much food", "lots of photos"),
}

var normalZhTemplates = []string{
	"早安",
	"早安☀️",
	"早安，{weekday}也要元气满满{emoji}",
	"早上好，今天也要加油鸭{emoji}",
	"晚安🌙",
	"今天带娃去{park}，{kidaction}{emoji}",
	"周末和{companion}去爬{mountain}，{hikefeel}{emoji}",
	"加班到{hour}点，{tired}",
	"又是加班到{hour}点的一天，{tired}{emoji}",
	"终于吃到了心心念念的{food}，{taste}{emoji}",
	"和{companion}在{restaurant}吃饭，{dishes}，人均{bill}，{verdict}",
	"今天聚餐一共花了{bigbill}元，{verdict}{emoji}",
	"今天自己做了{homedish}，{family}说{praise}{emoji}",
	"第一次做{homedish}，卖相一般但味道还行{emoji}",
	"微信运动步数第一，{steps}步{emoji}",
	"今天走了{steps}步，微信运动又是第一{emoji}",
	"换了个新的微信头像，{headpraise}",
	"家族微信群里{grouphappen}{emoji}",
	"{pet}今天又{petaction}了{emoji}",
	"{pet}的日常：吃饭睡觉{petdaily}{emoji}",
	"{city}{weatherevent}了，{weatherfeel}{emoji}",
	"今天{weather}，适合{activity}",
	"{festival}快乐！{wish}{emoji}",
	"打卡{sight}{emoji}",
	"随手拍｜{photocap}",
	"📷 {photocap}",
	"{book}终于看完了，{bookverdict}",
	"看了{movie}，{movieverdict}{emoji}",
	"好久没跑步了，今天跑了{km}公里，{runfeel}",
	"分享一篇好文：{article} {link}",
	"这个视频笑死我了 {link}",
	"孩子今天{kidage}岁了，时间过得真快{emoji}",
	"地铁上看到{subway}，{subwayfeel}",
	"打车花了{taxi}块，心疼{emoji}",
	"爸妈来{city}看我了，{parentsthing}{emoji}",
	"周{weekdaynum}下午的咖啡时光☕",
	"搬家终于搞定，累瘫了",
	"体检报告出来了，一切正常，安心了",
	"年会抽中了{rafflewin}，今年运气不错{emoji}",
	"超市买菜花了{bill}块，{pricefeel}",
	"{workthing}，明天继续{emoji}",
	"出差到{city}，{tripthing}",
	"{season}的{city}真美{emoji}",
	"周末 brunch 打卡，{taste}{emoji}",
	"今天{kidname}学会了{kidskill}，老母亲很欣慰{emoji}",
	"感冒了，{sickthing}",
	"下班路上的晚霞{emoji}",
	"老家的{hometownfood}，外面吃不到的味道",
	"团建去了{sight}，{teamfeel}",
	"今天是结婚{years}周年纪念日，{anniv}{emoji}",
	"外卖点了{food}，{bill}块钱两个人吃撑了",
	"{city}的{food}还是那个味儿{emoji}",
}

var normalEnTemplates = []string{
	"good morning",
	"Good morning {emoji}",
	"Morning coffee before the chaos ☕",
	"good night 🌙",
	"Took the kids to {enpark} today, {enkid}{emoji}",
	"Weekend hike up {enmountain} with {encompanion}. {enhike}",
	"Working late again, {enhour} and still at my desk {emoji}",
	"Finally tried {enfood} at {enrestaurant}. {entaste}",
	"Dinner with {encompanion}, ${bill} for two, {enverdict}",
	"The bill came to ${bigbill} for the whole table, {enverdict} {emoji}",
	"Made {endish} from scratch today, {enfamily} {enpraise}",
	"{enpet} {enpetaction} again {emoji}",
	"Happy {enfestival}! {enwish}",
	"Sunset at {ensight} {emoji}",
	"Just finished {enbook}. {enbookverdict}",
	"Ran {km}k this morning, {enrun}",
	"Interesting read: {enarticle} {enlink}",
	"This made my day {enlink}",
	"Rainy {enweekday}, perfect for {enactivity}",
	"Back in {encity} for a few days {emoji}",
	"Top of my WeChat step count today, {steps} steps {emoji}",
	"Family WeChat group is {engroup} again",
	"Moving day done. Never again.",
	"Date night at {enrestaurant} {emoji}",
	"Photo dump from {encity} {emoji}",
	"Won {enraffle} at the office raffle, lucky me {emoji}",
	"Our little one turned {kidage} today {emoji}",
	"Watched {enmovie} last night, {enmovieverdict}",
	"Groceries were ${bill} this week, {enprice}",
	"First snow in {encity} ❄️",
	"Business trip to {encity}, {entrip}",
	"{enseason} in {encity} hits different {emoji}",
	"📷 {enphoto}",
	"Team outing at {ensight}, {enteam}",
	"Lunch break walk, {steps} steps so far",
	"{years} years married today {emoji}",
}
