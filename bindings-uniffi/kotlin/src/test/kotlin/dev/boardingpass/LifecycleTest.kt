// The whole path a Kotlin caller takes: provision, deploy, verify, ticket,
// the owner's claim seen by a wait and by a Flow, and teardown.
package dev.boardingpass

import dev.boardingpass.core.BoardingpassException
import dev.boardingpass.core.ClaimStatus
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.time.Duration
import java.time.Instant

class LifecycleTest {
    private val emu = Emulator.fast()

    @Test
    fun `provision deploy verify ticket and the owner's claim`(): Unit = runBlocking {
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            assertEquals(OWNER, pass.owner())
            assertTrue(pass.expiresAt().isAfter(Instant.now()), "expires in the future: ${pass.expiresAt()}")
            val deployment = pass.deploy(hello().withVar("WHO", "kotlin"))
            assertEquals("hello", deployment.workerName)
            val evidence = pass.verify(deployment, expectBodyContains = "hello kotlin")
            assertTrue(evidence.passed)
            assertEquals(deployment.versionId, evidence.versionId)
            assertEquals(listOf(deployment), pass.deployments())
            assertEquals(listOf(evidence), pass.evidence())

            val ticket = JSONObject(pass.ticket(ClaimStatus.PENDING).toJson())
            assertEquals("pending", ticket.getString("status"))
            assertFalse(ticket.getJSONObject("claim").has("url") && !ticket.getJSONObject("claim").isNull("url"), "the record view has no claim URL")
            val ownerTicket = JSONObject(pass.ticket(ClaimStatus.PENDING, includeClaimUrl = true).toJson())
            assertEquals(pass.claimUrl().expose(), ownerTicket.getJSONObject("claim").getString("url"))

            val waiting = async { pass.waitForClaim(timeout = Duration.ofSeconds(30)) }
            assertEquals(200, emu.claim(pass))
            val outcome = withTimeout(20_000) { waiting.await() }
            assertEquals(ClaimStatus.CLAIMED, outcome.status)
            assertTrue(outcome.confirmed)
            assertFalse(outcome.timedOut)
            // Core's times are java.time.Instant here.
            assertTrue(Duration.between(outcome.observedAt, Instant.now()).abs() < Duration.ofMinutes(1), "${outcome.observedAt}")
            assertTrue(outcome.changedAt!! <= outcome.observedAt)
        }
    }

    @Test
    fun `watching yields pending then claimed and completes`(): Unit = runBlocking {
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            // The first emission is the current status; the owner claims after seeing it.
            val statuses = withTimeout(20_000) {
                pass.watchClaimFlow(timeout = Duration.ofSeconds(30))
                    .onEach { if (it.status == ClaimStatus.PENDING) assertEquals(200, emu.claim(pass)) }
                    .map { it.status }
                    .toList()
            }
            assertEquals(listOf(ClaimStatus.PENDING, ClaimStatus.CLAIMED), statuses)
        }
    }

    @Test
    fun `a forged deployment is refused and records no evidence`(): Unit = runBlocking {
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            val deployment = pass.deploy(hello())
            val e = assertThrows<BoardingpassException.InvalidInput> {
                runBlocking { pass.verify(deployment.copy(url = "https://example.com/")) }
            }
            assertTrue("deployment" in e.message!!, e.message)
            assertEquals(emptyList<Any>(), pass.evidence())
            assertTrue(pass.verify(deployment).passed)
        }
    }

    @Test
    fun `a wait that times out says so`(): Unit = runBlocking {
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            val outcome = pass.waitForClaim(timeout = Duration.ofMillis(300))
            assertEquals(ClaimStatus.PENDING, outcome.status)
            assertTrue(outcome.timedOut)
        }
    }

    @Test
    fun `teardown deletes the workers and ends the pass`(): Unit = runBlocking {
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            val deployment = pass.deploy(hello("gone"))
            pass.verify(deployment)
            val report = pass.teardown()
            assertEquals(listOf("gone"), report.deletedWorkers)
            assertTrue(report.tokenRevoked, "${report.revocationNote}")
            assertTrue(pass.isRevoked())
            assertEquals(emptyList<String>(), pass.liveWorkers())
            val e = assertThrows<BoardingpassException.PassRevoked> { runBlocking { pass.deploy(hello("again")) } }
            assertEquals("pass_revoked", e.code)
            assertTrue("revoked by teardown" in e.message!!, e.message)
        }
    }
}
