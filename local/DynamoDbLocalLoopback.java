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

  /**
   * The parent holds our stdin open and never writes to it: end of input means it is gone, even
   * killed with SIGKILL, which leaves it no chance to stop us. Exit then (shutdown hooks run, so
   * the database files are closed cleanly) rather than keep the port and the files as an orphan.
   */
  private static void exitWhenStdinCloses() {
    Thread watcher = new Thread(() -> {
      try {
        while (System.in.read() != -1) {
          // The parent never writes: nothing to read.
        }
      } catch (java.io.IOException error) {
        // A broken pipe is the same news.
      }
      System.exit(0);
    }, "leadscore-parent-watcher");
    watcher.setDaemon(true);
    watcher.start();
  }

  public static void main(String[] args) {
    String host = System.getProperty("leadscore.dynamodb.host", "127.0.0.1");
    if (Boolean.getBoolean("leadscore.dynamodb.exitWithParent")) exitWhenStdinCloses();
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
