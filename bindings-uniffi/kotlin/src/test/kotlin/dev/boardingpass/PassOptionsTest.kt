// The options and properties every binding shares (tests/fixtures/parity.json),
// each reaching core: verify's header expectation and intervals, the claim
// wait's long poll and expiry grace, the retry delays, the pass's identity
// and window, and deleting one Worker.
package dev.boardingpass

import dev.boardingpass.core.BoardingpassException
import dev.boardingpass.core.ClaimStatus
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.Duration
import java.time.Instant

const val HEADERS = "export default { fetch() { return new Response('hi', { headers: { 'x-parity': 'kotlin-yes' } }) } }"

class PassOptionsTest {
    private val emu = Emulator.fast()

    @Test
    fun `verify checks an expected header`(): Unit = runBlocking {
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            val deployment = pass.deploy(Worker.fromSource("headers", "index.js", HEADERS))
            val fast = Duration.ofMillis(10)
            val evidence = pass.verify(
                deployment, expectHeader = HeaderExpectation("x-parity", "kotlin"), interval = fast, maxInterval = fast,
            )
            assertTrue(evidence.passed)
            raises<BoardingpassException.Verification>("x-parity") {
                pass.verify(deployment, expectHeader = HeaderExpectation("x-parity", "python"), timeout = Duration.ofMillis(300), interval = fast)
            }
            assertEquals(listOf(true, false), pass.evidence().map { it.passed })
        }
    }

    @Test
    fun `the pass tells its identity and window`(): Unit = runBlocking {
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            assertNotNull(pass.accountType())
            assertNotNull(pass.tokenId())
            assertFalse(pass.createdAt().isAfter(Instant.now()))
            val window = Duration.between(pass.createdAt(), pass.expiresAt())
            assertTrue(pass.timeLeft() > Duration.ZERO && pass.timeLeft() <= window, "${pass.timeLeft()} of $window")
        }
    }

    @Test
    fun `one Worker is deleted`(): Unit = runBlocking {
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            pass.deploy(hello("keep"))
            pass.deploy(hello("drop"))
            pass.deleteWorker("drop")
            assertEquals(listOf("keep"), pass.liveWorkers())
        }
    }

    @Test
    fun `a claim wait takes a long poll and an expiry grace`(): Unit = runBlocking {
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            val short = Duration.ofMillis(200)
            val outcome = pass.waitForClaim(timeout = Duration.ofMillis(500), longPoll = short, expiryGrace = short)
            assertEquals(ClaimStatus.PENDING, outcome.status)
            assertTrue(outcome.timedOut)
        }
    }

    @Test
    fun `the retry settings reach core`(): Unit = runBlocking {
        // A Retry-After longer than maxRetryAfter is not slept through.
        Client(apiBase = emu.base, acceptTerms = true, maxRetryAfter = Duration.ofSeconds(1)).use { client ->
            emu.fault("previews/challenge", """"kind": "status", "status": 429, "retry_after": 2""")
            raises<BoardingpassException.RateLimited>("retry after 2s") { client.provision(owner = OWNER) }
        }
        // Two failures, then an answer: three attempts with short delays get through.
        Client(apiBase = emu.base, acceptTerms = true, maxAttempts = 3u, baseDelay = Duration.ofMillis(5), maxDelay = Duration.ofMillis(10)).use { client ->
            emu.fault("previews/challenge", """"kind": "status", "status": 503, "times": 2""")
            assertEquals(OWNER, client.provision(owner = OWNER).owner())
        }
    }
}
