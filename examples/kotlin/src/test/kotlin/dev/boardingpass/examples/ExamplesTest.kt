// The Kotlin examples against the emulator: the quickstart as a user runs it
// (CLOUDFLARE_API_BASE_URL pointing at the emulator), and the deploy tool
// through LangChain4j: its tool specification, and an AiServices agent whose
// scripted model calls it.
package dev.boardingpass.examples

import dev.boardingpass.Emulator
import dev.boardingpass.HELLO
import dev.boardingpass.OWNER
import dev.boardingpass.REPO
import dev.langchain4j.agent.tool.ToolExecutionRequest
import dev.langchain4j.agent.tool.ToolSpecifications
import dev.langchain4j.data.message.AiMessage
import dev.langchain4j.data.message.ToolExecutionResultMessage
import dev.langchain4j.model.chat.ChatModel
import dev.langchain4j.model.chat.request.ChatRequest
import dev.langchain4j.model.chat.response.ChatResponse
import dev.langchain4j.service.AiServices
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File
import java.util.concurrent.TimeUnit

interface Assistant {
    fun chat(message: String): String
}

/** A model that calls the tool once with [arguments], then answers with the tool's result. */
class ScriptedModel(private val arguments: String) : ChatModel {
    val requests = mutableListOf<ChatRequest>()

    override fun doChat(request: ChatRequest): ChatResponse {
        requests += request
        val result = request.messages().filterIsInstance<ToolExecutionResultMessage>().lastOrNull()
        val message = if (result == null) {
            AiMessage.from(ToolExecutionRequest.builder().id("call-1").name("deployAndVerify").arguments(arguments).build())
        } else {
            AiMessage.from("tool said: ${result.text()}")
        }
        return ChatResponse.builder().aiMessage(message).build()
    }
}

class ExamplesTest {
    private val emu = Emulator.fast()

    @Test
    fun `the quickstart prints a live URL and a ticket`() {
        val process = ProcessBuilder(
            File(System.getProperty("java.home"), "bin/java").path, "-cp", System.getProperty("java.class.path"),
            "-Djna.library.path=${System.getProperty("jna.library.path")}",
            "dev.boardingpass.examples.QuickstartKt",
        ).directory(File(REPO, "examples/kotlin")).redirectErrorStream(true)
        process.environment()["CLOUDFLARE_API_BASE_URL"] = emu.base
        val child = process.start()
        val out = child.inputStream.bufferedReader().readText()
        assertTrue(child.waitFor(120, TimeUnit.SECONDS))
        assertEquals(0, child.exitValue(), out)
        val (first, ticket) = out.split("\n\n", limit = 2)
        assertTrue(first.startsWith("live at http://hello-worker.") && ".localhost:" in first, first)
        assertTrue(ticket.startsWith("# Claim ticket: ") && "(pending)" in ticket && OWNER in ticket, ticket)
        assertFalse("claimToken" in out)
    }

    @Test
    fun `the tool is described to the model`() {
        val spec = ToolSpecifications.toolSpecificationsFrom(DeployTool::class.java).single()
        assertEquals("deployAndVerify", spec.name())
        assertTrue("temporary account" in spec.description())
        val params = spec.parameters()
        assertEquals(setOf("source", "name", "owner", "expectText"), params.properties().keys)
        assertEquals(setOf("source", "name", "owner"), params.required().toSet())
    }

    @Test
    fun `an agent deploys through the tool and the claim link goes to the owner only`() {
        val arguments = JSONObject(mapOf("source" to HELLO, "name" to "agent-demo", "owner" to OWNER, "expectText" to "hello")).toString()
        val model = ScriptedModel(arguments)
        val delivered = mutableListOf<Pair<String, String>>()
        val assistant = AiServices.builder(Assistant::class.java)
            .chatModel(model)
            .tools(DeployTool(emu.base) { owner, ticket -> delivered += owner to ticket })
            .build()
        val answer = assistant.chat("Deploy a hello-world Worker for Ada Lovelace")

        assertEquals("deployAndVerify", model.requests.first().toolSpecifications().single().name())
        val result = JSONObject(answer.removePrefix("tool said: "))
        assertEquals("verified", result.getString("status"), answer)
        assertTrue(result.getString("url").startsWith("http://agent-demo."), answer)
        assertTrue(result.isNull("error"))
        val ticket = JSONObject(result.getString("ticket"))
        assertEquals("boardingpass.claim-ticket/v1", ticket.getString("schema"))
        assertEquals(OWNER, ticket.getJSONObject("claim").getString("owner"))
        assertFalse("claimToken" in answer, "the model never sees the claim link")
        assertEquals(OWNER, delivered.single().first)
        assertTrue("claimToken=" in delivered.single().second, "the owner's ticket has it")
    }

    @Test
    fun `a failed deploy is a result for the model, not an exception`() {
        val result = DeployTool(emu.base) { _, _ -> error("no claim link for a failed deploy") }
            .deployAndVerify(HELLO, "Bad_Name", OWNER, null)
        assertEquals("failed", result.status)
        assertTrue(result.error!!.startsWith("invalid_input: "), result.error)
        assertEquals(null, result.url)
    }
}
