module github.com/circleguard/circleguard/internal/textnorm/internal/genconfusables

go 1.26.0

require (
	github.com/mtibben/confusables v0.0.0-20210201002637-9d1b0723b659
	golang.org/x/text v0.44.0
)
