import com.sun.tools.attach.VirtualMachine;

/**
 * Starts or stops async-profiler (its native library, from the Maven Central artifact
 * tools.profiler:async-profiler) in a running JVM, for bench/run's BENCH_PROFILE. The options
 * reach the agent verbatim: {@code jcmd PID JVMTI.agent_load} splits them at '='.
 *
 *   java -cp classes Profile PID LIBRARY OPTIONS      e.g. start,event=cpu,interval=1ms
 *                                                     or  stop,file=c.html
 */
public final class Profile {

  public static void main(String[] args) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(args[0]);
    try {
      vm.loadAgentPath(args[1], args[2]);
    } finally {
      vm.detach();
    }
  }
}
