// Cancelling a coroutine drops the Rust future: the long poll ends and the
// proof-of-work solver stops using CPU.
package dev.boardingpass

import dev.boardingpass.core.ClaimStatus
import dev.boardingpass.core.Phase
import dev.boardingpass.core.ProgressEvent
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.lang.management.ManagementFactory
import java.time.Duration

/** Polls [predicate] (bounded) while coroutines keep running. */
suspend fun settles(within: Duration = Duration.ofSeconds(5), predicate: () -> Boolean): Boolean {
    val deadline = System.nanoTime() + within.toNanos()
    while (System.nanoTime() < deadline) {
        if (predicate()) return true
        delay(20)
    }
    return predicate()
}

/**
 * Starts [call] on another thread, waits until it is one more future in
 * flight in Rust and still pending after [pending] ms, cancels it, and
 * asserts the cancellation reached the caller and the Rust future was dropped.
 */
suspend fun CoroutineScope.assertCancelDropsFuture(pending: Long = 200, call: suspend () -> Any?) {
    val before = operationsInFlight()
    val running = async(Dispatchers.Default) { call() }
    assertTrue(settles { operationsInFlight() == before + 1uL }, "the call is in flight in Rust")
    delay(pending)
    assertFalse(running.isCompleted)
    running.cancel()
    assertThrows<CancellationException> { runBlocking { running.await() } }
    assertTrue(settles { operationsInFlight() == before }, "the Rust future was dropped")
}

/** Process CPU time over [window] of wall time (1.0 = one core). */
fun cpuBusyFraction(window: Duration): Double {
    val os = ManagementFactory.getOperatingSystemMXBean() as com.sun.management.OperatingSystemMXBean
    val (cpu0, t0) = os.processCpuTime to System.nanoTime()
    Thread.sleep(window.toMillis())
    return (os.processCpuTime - cpu0).toDouble() / (System.nanoTime() - t0)
}

class CancellationTest {
    @Test
    fun `cancelling a long wait drops the Rust future`(): Unit = runBlocking {
        val emu = Emulator.fast()
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            assertCancelDropsFuture(pending = 300) { pass.waitForClaim(timeout = Duration.ofMinutes(10)) }
            // The pass is untouched: a new wait sees the claim at once.
            assertEquals(200, emu.claim(pass))
            assertEquals(ClaimStatus.CLAIMED, withTimeout(10_000) { pass.waitForClaim(timeout = Duration.ofSeconds(30)) }.status)
        }
    }

    @Test
    fun `cancelling a flow collector stops the watch`(): Unit = runBlocking {
        Emulator.fast().client().use { client ->
            val pass = client.provision(owner = OWNER)
            val before = operationsInFlight()
            // first() cancels the collection after one item, while the watcher would poll on.
            assertEquals(ClaimStatus.PENDING, pass.watchClaimFlow(timeout = Duration.ofMinutes(10)).first().status)
            assertTrue(settles { operationsInFlight() == before })
        }
    }

    @Test
    fun `cancelling provisioning stops the proof of work`(): Unit = runBlocking {
        val solving = CompletableDeferred<Unit>()
        val listener = object : ProgressListener {
            override fun onProgress(event: ProgressEvent) {
                if (event.phase == Phase.PROOF_OF_WORK) solving.complete(Unit)
            }
        }
        Emulator.slowPow().client().use { client ->
            val provisioning = async(Dispatchers.Default) { client.provision(owner = OWNER, progress = listener) }
            withTimeout(10_000) { solving.await() }
            val busy = cpuBusyFraction(Duration.ofMillis(500))
            provisioning.cancel()
            assertThrows<CancellationException> { runBlocking { provisioning.await() } }
            assertTrue(settles { operationsInFlight() == 0uL })
            delay(200)
            val idle = cpuBusyFraction(Duration.ofMillis(500))
            assertTrue(busy > 0.25, "the solver was running ($busy of a core)")
            assertTrue(idle < busy / 3, "the solver stopped when the coroutine was cancelled ($busy -> $idle)")
        }
    }
}
