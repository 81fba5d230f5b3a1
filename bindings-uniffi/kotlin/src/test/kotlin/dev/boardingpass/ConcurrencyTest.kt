// Twenty full flows at once from one client: each gets its own account,
// Worker, passing evidence and ticket.
package dev.boardingpass

import dev.boardingpass.core.ClaimStatus
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class ConcurrencyTest {
    @Test
    fun `twenty concurrent flows`(): Unit = runBlocking {
        val flows = 20
        Emulator.fast().client().use { client ->
            val tickets = (0 until flows).map { i ->
                async(Dispatchers.Default) {
                    val pass = client.provision(owner = OWNER)
                    val deployment = pass.deploy(Worker.fromSource("flow-$i", "index.js", HELLO).withVar("WHO", "flow $i"))
                    val evidence = pass.verify(deployment, expectBodyContains = "hello flow $i")
                    assertTrue(evidence.passed)
                    JSONObject(pass.ticket(ClaimStatus.PENDING).toJson())
                }
            }.awaitAll()
            val accounts = tickets.map { it.getJSONObject("temporary_resource").getString("account_id") }.toSet()
            assertEquals(flows, accounts.size, "one account per flow")
            val workers = tickets.map { it.getJSONObject("temporary_resource").getJSONArray("workers").getJSONObject(0).getString("name") }
            assertEquals((0 until flows).map { "flow-$it" }, workers)
            assertEquals(0uL, operationsInFlight())
        }
    }
}
