package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;

/** A deployment script in Java: the event is the script's parameters, the result's keys become attributes. */
public class Migrate implements RequestHandler<Map<String, Object>, Map<String, Object>> {
  @Override
  public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
    context.getLogger().log("migrating " + System.getenv("STP_MY_TABLE_NAME") + " with " + event);
    return Map.of("migrated", "yes");
  }
}
