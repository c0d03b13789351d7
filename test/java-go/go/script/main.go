// A deployment script in Go: the event is the script's parameters, the result's keys become attributes.
// Built for Lambda's provided.al2023 runtime, as a binary named bootstrap:
//
//	GOOS=linux GOARCH=amd64 CGO_ENABLED=0 go build -tags lambda.norpc -o <folder>/bootstrap
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func handler(ctx context.Context, event map[string]any) (map[string]string, error) {
	fmt.Println("seeding", event["table"], "through", os.Getenv("STP_USERS_NAME"))
	return map[string]string{"checked": "yes"}, nil
}

func main() {
	lambda.Start(handler)
}
