import Foundation

/// A small benchmark folder in `data/eval/`'s layout: three PIQA rows, two GSM8K test and three
/// train rows, one chain-of-thought exemplar.
public func benchmarkDataFolder() throws -> String {
    let folder = try ScratchFolder.make("eval-data")
    func write(_ relative: String, _ text: String) throws {
        let path = folder + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
    try write("piqa/valid.jsonl", """
    {"goal": "Open a jar", "sol1": "twist the lid", "sol2": "kick the jar"}
    {"goal": "Dry hair", "sol1": "use a towel", "sol2": "use a spoon"}
    {"goal": "Cool tea", "sol1": "wait", "sol2": "boil it"}

    """)
    try write("piqa/valid-labels.lst", "0\n0\n0\n")
    try write("gsm8k/test.jsonl", """
    {"question": "What is 2 + 3?", "answer": "2 + 3 = 5\\n#### 5"}
    {"question": "What is 4 + 4?", "answer": "#### 8"}

    """)
    try write("gsm8k/train.jsonl", """
    {"question": "1 + 1?", "answer": "#### 2"}
    {"question": "2 + 2?", "answer": "#### 4"}
    {"question": "3 + 3?", "answer": "#### 6"}

    """)
    try write("gsm8k/cot_8shot_exemplars.jsonl", "{\"question\": \"1 + 1?\", \"target\": \"1 + 1 = 2. The answer is 2.\"}\n")
    return folder
}
