module github.com/grantex/grantex-rs/packages/go

go 1.22
