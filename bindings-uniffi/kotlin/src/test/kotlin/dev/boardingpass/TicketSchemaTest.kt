// The ticket a Kotlin caller gets matches the cross-language schema in
// tests/fixtures/ticket-schema.json (the file core, Python and Node check).
package dev.boardingpass

import dev.boardingpass.core.ClaimStatus
import kotlinx.coroutines.runBlocking
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File

private val SCHEMA = JSONObject(File(REPO, "tests/fixtures/ticket-schema.json").readText())

/** The fixture's type name of a value; [ABSENT] for a missing key. */
private object ABSENT

private fun typeName(v: Any?): String = when (v) {
    ABSENT -> "absent"
    null, JSONObject.NULL -> "null"
    is JSONArray -> if ((0 until v.length()).all { v.get(it) is String }) "string[]" else "array"
    is Boolean -> "boolean"
    is Number -> "number"
    is String -> "string"
    else -> "object"
}

/** Appends to [errors] every place where [value] departs from [spec]. */
fun check(spec: Any, value: Any?, at: String, errors: MutableList<String>) {
    val names = when {
        spec is String -> listOf(spec)
        spec is JSONArray && (0 until spec.length()).all { spec.get(it) is String } -> (0 until spec.length()).map { spec.getString(it) }
        else -> null
    }
    when {
        names != null -> if (typeName(value) !in names) errors += "$at: ${typeName(value)}, expected $names"
        spec is JSONArray -> if (value !is JSONArray) errors += "$at: expected an array"
            else (0 until value.length()).forEach { check(spec.get(0), value.get(it), "$at[$it]", errors) }
        spec is JSONObject -> if (value !is JSONObject) errors += "$at: expected an object" else {
            for (key in spec.keySet()) check(spec.get(key), if (value.has(key)) value.get(key) else ABSENT, "$at.$key", errors)
            for (key in value.keySet()) if (!spec.has(key)) errors += "$at.$key: not in the schema"
        }
    }
}

class TicketSchemaTest {
    @Test
    fun `both renderings of the ticket match the shared schema`(): Unit = runBlocking {
        Emulator.fast().client(jobId = "schema-check").use { client ->
            val pass = client.provision(owner = OWNER)
            pass.verify(pass.deploy(hello()))
            for ((ticket, withUrl) in listOf(pass.ticket(ClaimStatus.PENDING) to false, pass.ticket(ClaimStatus.PENDING, includeClaimUrl = true) to true)) {
                val doc = JSONObject(ticket.toJson())
                assertEquals(SCHEMA.getString("schema_id"), doc.getString("schema"))
                val errors = mutableListOf<String>()
                check(SCHEMA.get("spec"), doc, "ticket", errors)
                assertEquals(emptyList<String>(), errors)
                assertEquals(withUrl, doc.getJSONObject("claim").has("url"))
                assertEquals("schema-check", doc.getString("job_id"))
                assertEquals(client.runId(), doc.getString("run_id"))
            }
        }
    }

    @Test
    fun `the checker reports drift`() {
        val errors = mutableListOf<String>()
        check(SCHEMA.get("spec"), JSONObject("""{"schema": "x", "extra": 1, "evidence": [{"status": "200"}]}"""), "ticket", errors)
        assertTrue("ticket.extra: not in the schema" in errors, errors.joinToString("\n"))
        assertTrue(errors.any { it.startsWith("ticket.evidence[0].status: string") }, errors.joinToString("\n"))
    }
}
