// Quickstart: a Worker project to a live URL and a claim ticket.
//
//     java … dev.boardingpass.examples.QuickstartKt [project-dir] [owner]
//
// Talks to Cloudflare, or to the local emulator when CLOUDFLARE_API_BASE_URL
// points at it. Creating the account means you accept Cloudflare's terms of
// service and privacy policy: hence acceptTerms = true.
package dev.boardingpass.examples

import dev.boardingpass.Client
import dev.boardingpass.Worker
import dev.boardingpass.core.ClaimStatus
import kotlinx.coroutines.runBlocking

fun main(args: Array<String>): Unit = runBlocking {
    val project = args.getOrElse(0) { "../hello-worker" }
    val owner = args.getOrElse(1) { "Ada Lovelace" }
    Client(acceptTerms = true).use { client ->
        val pass = client.provision(owner = owner)
        val deployment = pass.deploy(Worker.fromPath(project))
        pass.verify(deployment)
        println("live at ${deployment.url}\n")
        println(pass.ticket(ClaimStatus.PENDING).toMarkdown())
    }
}
