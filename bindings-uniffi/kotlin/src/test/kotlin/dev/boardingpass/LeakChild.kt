// Child JVM of SecretsTest: drives every output path a credential could leak
// through (toString, records, tickets, exception messages and stack traces,
// the audit log, files) with HOME, user.home and java.io.tmpdir pointing at a
// fresh directory. The secret values go to the file named by args[1] so the
// parent knows what to look for; everything else goes to stdout/stderr and
// files under HOME, which the parent scans.
package dev.boardingpass

import dev.boardingpass.core.AuditEvent
import dev.boardingpass.core.BoardingpassException
import dev.boardingpass.core.ClaimStatus
import dev.boardingpass.core.D1Value
import dev.boardingpass.core.ProgressEvent
import kotlinx.coroutines.runBlocking
import java.io.File
import java.time.Duration
import java.util.UUID

object LeakChild {
    @JvmStatic
    fun main(args: Array<String>): Unit = runBlocking {
        val (base, secretsFile) = args
        val home = File(System.getProperty("user.home"))
        val secretValue = "bp-secret-${UUID.randomUUID()}"
        val progress = object : ProgressListener {
            override fun onProgress(event: ProgressEvent) = println("progress $event")
        }
        val audit = object : AuditListener {
            override fun onAudit(event: AuditEvent) = println("audit $event")
        }
        Client(apiBase = base, acceptTerms = true, auditLog = File(home, "audit.jsonl").path, onAudit = audit, jobId = "leak-scan").use { client ->
            val pass = client.provision(owner = OWNER, progress = progress)
            File(secretsFile).writeText(listOf(pass.apiToken().expose(), pass.claimUrl().expose(), secretValue).joinToString("\n"))

            println("${client.policy().toJson()} $client $pass ${pass.apiToken()} ${pass.claimUrl()} ${pass.tokenFingerprint()} ${pass.claimFingerprint()}")
            val worker = Worker.fromSource("leaky", "index.js", "export default { fetch(req, env) { return new Response(env.KEY ? 'has key' : 'no key') } }")
                .withSecret("KEY", secretValue)
            println(worker)
            val deployment = pass.deploy(worker, progress = progress)
            println(deployment)
            println(pass.verify(deployment, expectBodyContains = "has key"))
            println("${pass.deployments()} ${pass.evidence()} ${pass.liveWorkers()}")
            // Storage results: the ticket lists these resources, the audit log their creation.
            val db = pass.createD1Database("leaky")
            println("$db ${pass.d1Query(db.uuid, "CREATE TABLE t (v); INSERT INTO t VALUES (?); SELECT v FROM t", listOf(D1Value.Integer(secretValue.length.toLong())))} ${pass.d1Databases()}")
            val ns = pass.createKvNamespace("leaky")
            pass.kvPut(ns.id, "k", "v".toByteArray())
            println("$ns ${pass.kvList(ns.id)} ${pass.kvGet(ns.id, "k")?.decodeToString()}")
            val ticket = pass.ticket(ClaimStatus.PENDING)
            println("$ticket ${ticket.toJson()} ${ticket.toMarkdown()}")
            File(home, "ticket.json").writeText(ticket.toJson())
            File(home, "ticket.md").writeText(ticket.toMarkdown())
            println(pass.ticket(ClaimStatus.PENDING, includeClaimUrl = true))

            val failures: List<suspend () -> Unit> = listOf(
                { pass.deploy(Worker.fromSource("Bad_Name", "index.js", "x")) },
                { pass.verify(deployment, expectBodyContains = "nope", timeout = Duration.ofMillis(200)) },
                { Client(apiBase = base, powWorkCap = 0uL) },
                { pass.d1Query(db.uuid, "SELEC 1") },
                { pass.d1ApplyMigrations(db.uuid, File(home, "no-migrations").path) },
                { pass.kvPut(ns.id, "k".repeat(513), "v".toByteArray()) },
                { pass.teardown(); pass.deploy(worker) },
            )
            for (attempt in failures) {
                try {
                    attempt()
                    error("expected a failure")
                } catch (e: BoardingpassException) {
                    System.err.println("$e ${e.message} ${e.code}")
                    e.printStackTrace()
                }
            }
            println(pass.waitForClaim(timeout = Duration.ofMillis(100)))
        }
    }
}
