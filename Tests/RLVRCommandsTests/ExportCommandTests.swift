import Foundation
import Testing
import TestSupport
import RLVRCommands

/// `rlvr export` end to end on the tiny model: a GGUF that `rlvr eval` scores like its source, the
/// quantisation check's table, and bad input as exit 2 without a file written.
@Suite struct ExportCommandTests {
    @Test func exportsAndChecks() throws {
        let model = try tinyModelFolder(prefix: "export-model") + "/model"
        let out = try ScratchFolder.make("export-out")
        #expect(CommandLineEntry.run(["export", "--model", model, "--to", out + "/m.gguf", "--type", "f32", "--threads", "1"]) == 0)
        #expect(FileManager.default.fileExists(atPath: out + "/m.gguf"))
        // the f32 file scores exactly as its source
        let data = try benchmarkDataFolder()
        for (path, folder) in [(model, out + "/source"), (out + "/m.gguf", out + "/exported")] {
            #expect(CommandLineEntry.run(["eval", "--model", path, "--data", data, "--tasks", "piqa", "--threads", "1", "--out", folder]) == 0)
        }
        func loglikelihoods(_ folder: String) throws -> [String] {
            try String(contentsOfFile: folder + "/samples.jsonl", encoding: .utf8).split(separator: "\n").map { line in
                let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                return "\(row?["loglikelihoods"] ?? "none")"
            }
        }
        #expect(try loglikelihoods(out + "/source") == loglikelihoods(out + "/exported"))
        #expect(CommandLineEntry.run(["export", "--model", model, "--to", out + "/q.gguf", "--type", "q4_0", "--check", "piqa",
                                      "--limit", "2", "--data", data, "--threads", "1"]) == 0)
    }

    @Test func badInputExitsWithTwo() throws {
        let model = try tinyModelFolder(prefix: "export-model") + "/model"
        let out = try ScratchFolder.make("export-out")
        let base = ["export", "--model", model, "--threads", "1"]
        #expect(CommandLineEntry.run(base + ["--to", out + "/a.gguf", "--type", "q3"]) == 2)
        #expect(CommandLineEntry.run(base + ["--to", out + "/a.bin"]) == 2)
        #expect(CommandLineEntry.run(base + ["--to", out + "/a.gguf", "--check", "nosuch"]) == 2)
        #expect(CommandLineEntry.run(["export", "--model", model + "/missing", "--to", out + "/a.gguf"]) == 2)
        #expect(CommandLineEntry.run(base + ["--to", out + "/no/such/folder/a.gguf"]) == 2)
        #expect(!FileManager.default.fileExists(atPath: out + "/a.gguf"))
    }
}
