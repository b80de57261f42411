import Testing
import Tokenization
import Evaluation

/// Prompt pieces as docs/evaluation.md states them for each harness (examples from the task files).
@Suite struct PromptFormatTests {
    @Test func hellaSwagPreprocessing() {
        // lm-eval strips first; a WikiHow marker at the start leaves the space after it.
        #expect(HellaSwagTask.preprocess("[header] How to x [title] Do y. [step] Then z.", strip: true) == " How to x. Do y. Then z.")   // Python gives the same
        #expect(HellaSwagTask.preprocess("[substeps] Many people", strip: true) == " Many people")
        #expect(HellaSwagTask.preprocess("a   b", strip: false) == "a  b")     // one pass: three spaces become two
    }

    @Test func trailingWhitespaceMovesIntoTheContinuation() {
        #expect(movingTrailingWhitespace(context: "He ", continuation: " is") == ("He", "  is"))
        #expect(movingTrailingWhitespace(context: "assistant\n", continuation: "x") == ("assistant", "\nx"))
        #expect(movingTrailingWhitespace(context: "Answer:", continuation: " B") == ("Answer:", " B"))
    }

    @Test func plainAndChatRendering() {
        let prompt = TaskPrompt(shots: [Shot(query: "Question: 1+1\nAnswer:", answer: "2")], query: "Question: 2+2\nAnswer:")
        #expect(prompt.rendered(chat: nil) == "Question: 1+1\nAnswer: 2\n\nQuestion: 2+2\nAnswer:")
        let template = ChatTemplate(family: .chatml, defaultSystemMessage: "S", eosToken: "<|im_end|>")
        #expect(prompt.rendered(chat: template) == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQuestion: 1+1\nAnswer:<|im_end|>\n"
                + "<|im_start|>assistant\n2<|im_end|>\n<|im_start|>user\nQuestion: 2+2\nAnswer:<|im_end|>\n<|im_start|>assistant\n")
        var lighteval = prompt
        lighteval.chatAnswersKeepDelimiter = true
        #expect(lighteval.messages[1].content == " 2")
    }

    @Test func lmEvalAnswerFilters() {
        #expect(HarnessFilters.regex(HarnessFilters.gsm8kStrict, "so #### 1,234.\n#### 5") == "1,234.")
        #expect(HarnessFilters.regex(HarnessFilters.gsm8kStrict, "no marker") == "[invalid]")
        #expect(HarnessFilters.regex(HarnessFilters.gsm8kFlexible, groupSelect: -1, "It costs $12 and 7 more") == "7")
        #expect(HarnessFilters.regex(HarnessFilters.gsm8kFlexible, groupSelect: -1, "total 1,250.") == "1,250.")
        #expect(HarnessFilters.exactMatch("1,234.", "Work...\n#### 1234", ignore: HarnessFilters.gsm8kIgnore, ignoreCase: true))
        #expect(HarnessFilters.exactMatch("$18", "#### 18", ignore: HarnessFilters.gsm8kIgnore, ignoreCase: true))
        #expect(!HarnessFilters.exactMatch("[invalid]", "#### 18", ignore: HarnessFilters.gsm8kIgnore, ignoreCase: true))
    }

    @Test func samplingMetrics() {
        // 1 − C(7,4)/C(10,4) and 1 − C(4,1)/C(5,1), from Python's math.comb.
        #expect(abs(SampledMetrics.passAtK(samples: 10, correct: 3, k: 4) - 0.8333333333333334) < 1e-12)
        #expect(abs(SampledMetrics.passAtK(samples: 5, correct: 1, k: 1) - 0.2) < 1e-12)
        #expect(SampledMetrics.passAtK(samples: 4, correct: 4, k: 4) == 1)
        #expect(SampledMetrics.passAtK(samples: 4, correct: 0, k: 4) == 0 && SampledMetrics.passAtK(samples: 4, correct: 0, k: 1) == 0)
        #expect(SampledMetrics.majority(["7", "8", "8", "7"]) == 0)
        #expect(SampledMetrics.majority(["7", "8", "8"]) == 1)
        let summary = MetricSummary([1, 0, 1, 1])
        #expect(summary.value == 0.75 && abs(summary.stderr - 0.25) < 1e-12)   // sd 0.5 (ddof 1) / √4
    }
}
