// A deploy-and-verify tool for JVM agents, shaped for LangChain4j's @Tool:
// register an instance with AiServices.builder(...).tools(DeployTool()).
//
// The result goes back to the model, so it never holds the claim URL: that
// is a bearer link for the named owner only, handed over by [deliverClaimLink].
package dev.boardingpass.examples

import dev.boardingpass.Client
import dev.boardingpass.Worker
import dev.boardingpass.code
import dev.boardingpass.core.BoardingpassException
import dev.boardingpass.core.ClaimStatus
import dev.langchain4j.agent.tool.P
import dev.langchain4j.agent.tool.Tool
import kotlinx.coroutines.runBlocking
import java.time.Duration

/** What the model gets back (LangChain4j sends it as JSON). */
data class DeployResult(
    /** The live URL, or null when the deploy failed. */
    val url: String?,
    /** "verified" or "failed". */
    val status: String,
    /** Why it failed (`code: message`), or null. */
    val error: String?,
    /** When the temporary account goes away unless claimed (ISO-8601). */
    val expiresAt: String,
    /** The claim ticket as JSON, without the claim URL. */
    val ticket: String?,
)

/**
 * @param apiBase null: CLOUDFLARE_API_BASE_URL if set, else Cloudflare.
 * @param deliverClaimLink hands the owner's ticket (with the claim URL) to
 *   that person: e-mail, chat DM, a ticketing system. Default: standard error.
 */
class DeployTool(
    private val apiBase: String? = null,
    private val deliverClaimLink: (owner: String, ownerTicketMarkdown: String) -> Unit =
        { owner, ticket -> System.err.println("--- for $owner only ---\n$ticket") },
) {
    @Tool("Deploy a Cloudflare Worker to a temporary account and check that it answers")
    fun deployAndVerify(
        @P("JavaScript ES module source of the Worker, with a default export that has a fetch(request, env) handler")
        source: String,
        @P("Worker name: 1-63 lowercase letters, digits or dashes")
        name: String,
        @P("Full name of the person who will receive the claim link and can make the account permanent")
        owner: String,
        @P("Text the live page must contain for the deploy to count as verified", required = false)
        expectText: String?,
    ): DeployResult = runBlocking {
        Client(apiBase = apiBase, acceptTerms = true, jobClass = "agent-tool").use { client ->
            val pass = client.provision(owner = owner)
            val expiresAt = pass.expiresAt().toString()
            try {
                val deployment = pass.deploy(Worker.fromSource(name, "index.js", source))
                pass.verify(deployment, expectBodyContains = expectText, timeout = Duration.ofSeconds(20))
                deliverClaimLink(owner, pass.ticket(ClaimStatus.PENDING, includeClaimUrl = true).toMarkdown())
                DeployResult(deployment.url, "verified", null, expiresAt, pass.ticket(ClaimStatus.PENDING).toJson())
            } catch (e: BoardingpassException) {
                DeployResult(null, "failed", "${e.code}: ${e.message}", expiresAt, null)
            }
        }
    }
}
