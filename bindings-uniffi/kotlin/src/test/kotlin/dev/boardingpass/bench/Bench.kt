// Programs for tests/bench/kotlin_jvm.py (`make bench-kotlin`), each run in a
// fresh JVM. They print one JSON line; the driver takes medians.
package dev.boardingpass.bench

import dev.boardingpass.Client
import dev.boardingpass.Worker
import dev.boardingpass.operationsInFlight
import kotlinx.coroutines.runBlocking
import java.lang.management.ManagementFactory

private const val SOURCE = "export default { fetch() { return new Response('hello from kotlin') } }"

/** Milliseconds since the JVM started (the driver adds the time to spawn it). */
private fun sinceJvmStart(): Long = ManagementFactory.getRuntimeMXBean().uptime

/** JVM start → first deploy verified live, with the phases in between. args: API base. */
object FirstDeploy {
    @JvmStatic
    fun main(args: Array<String>): Unit = runBlocking {
        val main = sinceJvmStart()
        Client(apiBase = args[0], acceptTerms = true).use { client ->
            val loaded = sinceJvmStart()
            val pass = client.provision(owner = "Bench")
            val provisioned = sinceJvmStart()
            val deployment = pass.deploy(Worker.fromSource("bench", "index.js", SOURCE))
            val deployed = sinceJvmStart()
            pass.verify(deployment, expectBodyContains = "hello from kotlin")
            val live = sinceJvmStart()
            println(
                """{"main_ms": $main, "client_ms": ${loaded - main}, "provision_ms": ${provisioned - loaded}, """ +
                    """"deploy_ms": ${deployed - provisioned}, "verify_ms": ${live - deployed}, "live_ms": $live}""",
            )
        }
    }
}

/** Cost of one call across JNA for a few call shapes, after warm-up. args: API base. */
object CallOverhead {
    private inline fun nsPerCall(calls: Int, call: () -> Unit): Double {
        repeat(calls / 10) { call() }
        val t0 = System.nanoTime()
        repeat(calls) { call() }
        return (System.nanoTime() - t0).toDouble() / calls
    }

    @JvmStatic
    fun main(args: Array<String>): Unit = runBlocking {
        Client(apiBase = args[0], acceptTerms = true).use { client ->
            val pass = client.provision(owner = "Bench")
            pass.verify(pass.deploy(Worker.fromSource("bench", "index.js", SOURCE)))
            val watch = pass.watchClaim()
            watch.stop()
            val sync = nsPerCall(200_000) { operationsInFlight() }
            val string = nsPerCall(200_000) { pass.accountId() }
            val records = nsPerCall(50_000) { pass.evidence() }
            val object_ = nsPerCall(50_000) { pass.apiToken().close() }
            // A stopped watch answers at once: what is left is the async round trip.
            val async = nsPerCall(20_000) { watch.next() }
            println(
                """{"u64_ns": $sync, "string_ns": $string, "records_ns": $records, "object_ns": $object_, "async_ns": $async}""",
            )
        }
    }
}
