import Foundation
import RLVRCommands

exit(CommandLineEntry.run(Array(CommandLine.arguments.dropFirst())))
