/*
 * native_sim: the firmware as a Linux process. Both ports can be a live
 * interface or, for the lan port, a capture file; the choice is made at
 * run time by the command line.
 */
#include "brd.h"

#include "led/led_rec.h"
#include "ledsm.h"
#include "port/port_pcap.h"
#include "storage/stor_file.h"
#include "uart/uart_stdio.h"

static const struct brd_port_desc native_sim_ports[] = {
	{
		.name = "lan",
		.role = BRD_PORT_LAN,
		.default_dev = NULL,
		.live = &port_pcap_live_ops,
		.file = &port_pcap_file_ops,
	},
	{
		.name = "wan",
		.role = BRD_PORT_WAN,
		.default_dev = NULL,
		.live = &port_pcap_live_ops,
		.file = &port_pcap_file_ops,
	},
};

/* No LEDs on a PC: the recording driver keeps them for tests and the console picture. */
static const struct brd_led_desc native_sim_leds[] = {
	{.logical = LEDSM_POWER, .ops = &led_rec_ops, .name = "power"},
	{.logical = LEDSM_LAN, .ops = &led_rec_ops, .name = "lan"},
	{.logical = LEDSM_WAN, .ops = &led_rec_ops, .name = "wan"},
	{.logical = LEDSM_MODE, .ops = &led_rec_ops, .name = "mode"},
	{.logical = LEDSM_ALERT, .ops = &led_rec_ops, .name = "alert"},
	{.logical = LEDSM_FAULT, .ops = &led_rec_ops, .name = "fault"},
};

const struct brd_desc brd_this = {
	.name = "native_sim",
	.ports = native_sim_ports,
	.n_ports = sizeof(native_sim_ports) / sizeof(native_sim_ports[0]),
	.recorder = &port_pcap_dump_ops,
	/* The state dir is chosen at run time (--state-dir); no default on a host. */
	.storage = &stor_file_ops,
	.storage_dev = NULL,
	/* Locally administered (02:...), so it cannot clash with a vendor's range. */
	.mgmt_mac = {0x02, 0x1e, 0xa7, 0x00, 0x00, 0x01},
	.leds = native_sim_leds,
	.n_leds = sizeof(native_sim_leds) / sizeof(native_sim_leds[0]),
	.console = {.ops = &uart_stdio_ops, .dev = NULL},
};
