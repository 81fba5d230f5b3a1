// Audit records reach an onAudit listener as core's AuditEvent, secrets
// scrubbed, and the audit log file holds the same records.
package dev.boardingpass

import dev.boardingpass.core.AuditEvent
import dev.boardingpass.core.AuditKind
import dev.boardingpass.core.ClaimStatus
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.util.concurrent.ConcurrentLinkedQueue

class AuditTest {
    @Test
    fun `onAudit receives every event, with no secret`(@TempDir tmp: Path): Unit = runBlocking {
        val events = ConcurrentLinkedQueue<AuditEvent>()
        val listener = object : AuditListener {
            override fun onAudit(event: AuditEvent) {
                events.add(event)
            }
        }
        val log = tmp.resolve("audit.jsonl").toFile()
        val secretValue = "bp-audit-secret-0123456789"
        Client(apiBase = Emulator.fast().base, acceptTerms = true, auditLog = log.path, onAudit = listener, jobId = "job-9").use { client ->
            val pass = client.provision(owner = OWNER)
            val deployment = pass.deploy(hello().withSecret("KEY", secretValue))
            pass.verify(deployment)
            pass.ticket(ClaimStatus.PENDING, includeClaimUrl = true)
            pass.teardown()

            val kinds = events.map { it.event }
            for (kind in listOf(AuditKind.PROVISIONED, AuditKind.DEPLOY_FINISHED, AuditKind.VERIFIED, AuditKind.TICKET_ISSUED, AuditKind.TORN_DOWN)) {
                assertTrue(kind in kinds, "$kind not in $kinds")
            }
            assertEquals(setOf(client.runId()), events.map { it.runId }.toSet())
            assertEquals(setOf("job-9"), events.map { it.jobId }.toSet())
            assertEquals(pass.accountId(), events.first { it.event == AuditKind.PROVISIONED }.accountId)
            // details is core's JSON, as text.
            events.forEach { JSONObject(it.details) }

            // The file has the same records, in the same order.
            val lines = log.readLines().map { JSONObject(it) }
            assertEquals(events.map { it.event.name.lowercase() }, lines.map { it.getString("event") })

            val claimUrl = pass.claimUrl().expose()
            val needles = listOf(pass.apiToken().expose(), claimUrl, claimUrl.substringAfter("claimToken="), secretValue)
            val shown = events.joinToString("\n") + log.readText()
            for (needle in needles) assertFalse(needle in shown, "a secret (${needle.take(6)}…) reached an audit record")
        }
    }
}
