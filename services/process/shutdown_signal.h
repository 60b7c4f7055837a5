#ifndef NEXUS_SERVICES_PROCESS_SHUTDOWN_SIGNAL_H_
#define NEXUS_SERVICES_PROCESS_SHUTDOWN_SIGNAL_H_

namespace nexus::process {

// Blocks SIGTERM, SIGINT and SIGPIPE in the calling thread and every thread it starts later.
// Call first thing in main(), before any thread exists.
void BlockShutdownSignals();

// Waits until SIGTERM or SIGINT arrives; returns the signal number.
int WaitForShutdownSignal();

}  // namespace nexus::process

#endif  // NEXUS_SERVICES_PROCESS_SHUTDOWN_SIGNAL_H_
