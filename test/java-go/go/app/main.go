// The Go twin of test/java-go/twin/app.ts, construct for construct: keep them in step.
// Arguments: the cloud assembly's folder, the Java script's jar, the Go script's folder (its `bootstrap`).
package main

import (
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-deployment-script/cdk-deployment-script-go/cdkdeploymentscript"
)

func main() {
	defer jsii.Close()
	outdir, javaJar, goFolder := os.Args[1], os.Args[2], os.Args[3]

	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})
	stack := awscdk.NewStack(app, jsii.String("JavaGoScripts"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")},
	})
	bucket := awss3.NewBucket(stack, jsii.String("myBucket"), nil)
	table := awsdynamodb.NewTable(stack, jsii.String("myTable"), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("pk"), Type: awsdynamodb.AttributeType_STRING},
	})
	queue := awssqs.NewQueue(stack, jsii.String("myQueue"), nil)

	// Nested JSON types, and a camelCase key. A Go map has no order: jsii's Go runtime sends its keys sorted.
	parameters := map[string]interface{}{
		"apiURL": "https://example.com/",
		"b":      true,
		"l":      []interface{}{"a", 2},
		"n":      1,
		"o":      map[string]interface{}{"k": "v"},
	}
	migrate := cdkdeploymentscript.NewDeploymentScript(stack, jsii.String("migrate"), &cdkdeploymentscript.DeploymentScriptProps{
		Trigger:     cdkdeploymentscript.ScriptTrigger_AFTER_DEPLOY,
		Code:        awslambda.Code_FromAsset(jsii.String(javaJar), nil),
		Handler:     jsii.String("example.Migrate::handleRequest"),
		Runtime:     awslambda.Runtime_JAVA_21(),
		MemorySize:  jsii.Number(512),
		Parameters:  &parameters,
		Environment: &map[string]*string{"LOG_LEVEL": jsii.String("debug")},
		ConnectTo:   &[]constructs.IConstruct{bucket, table, queue},
		Timeout:     awscdk.Duration_Minutes(jsii.Number(5)),
	})
	seed := cdkdeploymentscript.NewDeploymentScript(stack, jsii.String("seed"), &cdkdeploymentscript.DeploymentScriptProps{
		Trigger:    cdkdeploymentscript.ScriptTrigger_AFTER_DEPLOY,
		Code:       awslambda.Code_FromAsset(jsii.String(goFolder), nil),
		Handler:    jsii.String("bootstrap"),
		Runtime:    awslambda.Runtime_PROVIDED_AL2023(),
		Parameters: &map[string]interface{}{"table": table.TableName()},
		RunAfter:   &[]cdkdeploymentscript.IDeploymentScript{migrate},
		RunPolicy:  cdkdeploymentscript.RunPolicy_ON_SCRIPT_CHANGE,
	})
	seed.ConnectTo(table, &cdkdeploymentscript.ConnectOptions{Name: jsii.String("USERS")})
	awsssm.NewStringParameter(stack, jsii.String("checked"), &awsssm.StringParameterProps{
		StringValue: seed.GetResult(jsii.String("checked")),
	})

	cdkdeploymentscript.NewDeploymentScript(stack, jsii.String("cleanup"), &cdkdeploymentscript.DeploymentScriptProps{
		Trigger:   cdkdeploymentscript.ScriptTrigger_BEFORE_DELETE,
		Code:      awslambda.Code_FromAsset(jsii.String(goFolder), nil),
		Handler:   jsii.String("bootstrap"),
		Runtime:   awslambda.Runtime_PROVIDED_AL2023(),
		ConnectTo: &[]constructs.IConstruct{bucket},
	})

	app.Synth(nil)
}
