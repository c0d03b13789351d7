package example;

import io.github.cdkdeploymentscript.ConnectOptions;
import io.github.cdkdeploymentscript.DeploymentScript;
import io.github.cdkdeploymentscript.RunPolicy;
import io.github.cdkdeploymentscript.ScriptTrigger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.ssm.StringParameter;

/**
 * The Java twin of test/java-go/twin/app.ts, construct for construct: keep them in step.
 * Arguments: the cloud assembly's folder, the Java script's jar, the Go script's folder (its `bootstrap`).
 */
public final class TwinApp {
  public static void main(String[] args) {
    String outdir = args[0];
    String javaJar = args[1];
    String goFolder = args[2];

    App app = App.Builder.create().outdir(outdir).build();
    Stack stack = Stack.Builder.create(app, "JavaGoScripts")
        .env(Environment.builder().account("111111111111").region("eu-west-1").build())
        .build();
    Bucket bucket = new Bucket(stack, "myBucket");
    Table table = Table.Builder.create(stack, "myTable")
        .partitionKey(Attribute.builder().name("pk").type(AttributeType.STRING).build())
        .build();
    Queue queue = new Queue(stack, "myQueue");

    // Nested JSON types, and a camelCase key; a LinkedHashMap keeps the keys in the order written (Map.of would not).
    Map<String, Object> parameters = new LinkedHashMap<>();
    parameters.put("apiURL", "https://example.com/");
    parameters.put("b", true);
    parameters.put("l", List.of("a", 2));
    parameters.put("n", 1);
    parameters.put("o", Map.of("k", "v"));

    DeploymentScript migrate = DeploymentScript.Builder.create(stack, "migrate")
        .trigger(ScriptTrigger.AFTER_DEPLOY)
        .code(Code.fromAsset(javaJar))
        .handler("example.Migrate::handleRequest")
        .runtime(Runtime.JAVA_21)
        .memorySize(512)
        .parameters(parameters)
        .environment(Map.of("LOG_LEVEL", "debug"))
        .connectTo(List.of(bucket, table, queue))
        .timeout(Duration.minutes(5))
        .build();
    DeploymentScript seed = DeploymentScript.Builder.create(stack, "seed")
        .trigger(ScriptTrigger.AFTER_DEPLOY)
        .code(Code.fromAsset(goFolder))
        .handler("bootstrap")
        .runtime(Runtime.PROVIDED_AL2023)
        .parameters(Map.of("table", table.getTableName()))
        .runAfter(List.of(migrate))
        .runPolicy(RunPolicy.ON_SCRIPT_CHANGE)
        .build();
    seed.connectTo(table, ConnectOptions.builder().name("USERS").build());
    StringParameter.Builder.create(stack, "checked").stringValue(seed.getResult("checked")).build();

    DeploymentScript.Builder.create(stack, "cleanup")
        .trigger(ScriptTrigger.BEFORE_DELETE)
        .code(Code.fromAsset(goFolder))
        .handler("bootstrap")
        .runtime(Runtime.PROVIDED_AL2023)
        .connectTo(List.of(bucket))
        .build();

    app.synth();
  }
}
