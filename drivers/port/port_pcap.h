/*
 * libpcap port drivers: ops tables a board binds its ports to.
 */
#ifndef LEAKTAP_PORT_PCAP_H
#define LEAKTAP_PORT_PCAP_H

#include "port.h"

/* A live interface (p->dev is its name). */
extern const struct port_ops port_pcap_live_ops;
/* A capture file read once, pcap or pcapng (p->dev is its path). */
extern const struct port_ops port_pcap_file_ops;
/*
 * A capture file written with every frame sent to it (p->dev is its path).
 * Set p->link to the link type of the frames before port_open().
 */
extern const struct port_ops port_pcap_dump_ops;

#endif /* LEAKTAP_PORT_PCAP_H */
