package tables

// eventStreams are the event streams StartEvents subscribes, in the order
// netlinkq_status lists them.
var eventStreams = []eventStreamer{socketEventStream, ctEventStream, rtEventStream}
