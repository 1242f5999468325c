module github.com/grantex/grantex-rs/packages/go/bench

go 1.22

require github.com/grantex/grantex-rs/packages/go v0.0.0

require github.com/golang-jwt/jwt/v5 v5.3.1

replace github.com/grantex/grantex-rs/packages/go => ../
