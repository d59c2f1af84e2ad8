/*
 * Starts DynamoDB Local listening on one address (127.0.0.1 by default) instead of every interface.
 *
 * DynamoDB Local has no option for the address it binds: its DynamoDBProxyServer builds a Jetty
 * `Server(port)`, whose connector listens on 0.0.0.0 / [::]. This launcher builds the same server
 * through DynamoDB Local's own `ServerRunner.createServerFromCommandLineArgs` (same command line,
 * same request handler), sets the host of the server's connector before it binds, then starts
 * it. Run by local/dynamodb-local.ts in Java's source-file mode (JEP 330):
 *
 *   java -Dleadscore.dynamodb.host=127.0.0.1 -cp DynamoDBLocal.jar DynamoDbLocalLoopback.java -port 8000 ...
 *
 * (`-cp DynamoDBLocal.jar` is enough: its manifest's Class-Path brings DynamoDBLocal_lib/*.jar.)
 * Telemetry is never configured here, so none is sent, whatever the arguments.
 */
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public final class DynamoDbLocalLoopback {
  private DynamoDbLocalLoopback() {}

  public static void main(String[] args) {
    String host = System.getProperty("leadscore.dynamodb.host", "127.0.0.1");
    try {
      DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
      Field field = DynamoDBProxyServer.class.getDeclaredField("server");
      field.setAccessible(true);
      Server server = (Server) field.get(proxy);
      Connector[] connectors = server.getConnectors();
      if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
      for (Connector connector : connectors) {
        if (!(connector instanceof ServerConnector)) {
          throw new IllegalStateException("unexpected connector " + connector.getClass().getName());
        }
        ((ServerConnector) connector).setHost(host);
      }
      proxy.start();
      // DynamoDBProxyServer.start() reports a bind failure on stderr and stops the server.
      if (!server.isStarted()) {
        System.err.println("DynamoDB Local did not start on " + host);
        System.exit(1);
      }
      for (Connector connector : connectors) {
        System.out.println("Listening on " + host + ":" + ((ServerConnector) connector).getLocalPort());
      }
    } catch (Throwable error) {
      error.printStackTrace();
      System.exit(1);
    }
  }
}
