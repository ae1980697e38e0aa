/*
 * FriendlyELEC NanoPi R2S: RK3328 (4x Cortex-A53, arm64), 1 GiB RAM, two
 * Gigabit ports, running Debian or Armbian. leaktap runs on it as a Linux
 * process, like native_sim: the host services are board/common/linux/ and
 * only this table is the board's own.
 *
 * Ports, as the kernel names them with the classic ethX scheme (Armbian,
 * FriendlyWrt, Debian with net.ifnames=0):
 *   wan = eth0  the RK3328's own Gigabit MAC (GMAC), jack labelled WAN
 *   lan = eth1  the RTL8153 Gigabit adapter on the SoC's USB 3 port,
 *               jack labelled LAN
 * With systemd's predictable names (plain Debian images) the same jacks are
 * end0 (GMAC) and enu1 (USB): the unit file takes the names from
 * /etc/default/leaktap, and the README says how to check which is which.
 *
 * LEDs, as the kernel's rk3328-nanopi-r2s.dts labels them in
 * /sys/class/leds: nanopi-r2s:red:sys, nanopi-r2s:green:lan,
 * nanopi-r2s:green:wan. Console: ttyS2 (UART2) at 1500000 baud, 8N1.
 * State (config.json, alerts.jsonl): /var/lib/leaktap.
 */
#include "brd.h"

#include "led/led_sysfs.h"
#include "ledsm.h"
#include "port/port_pcap.h"
#include "storage/stor_file.h"
#include "uart/uart_stdio.h"

static const struct brd_port_desc nanopi_r2s_ports[] = {
	{
		.name = "lan",
		.role = BRD_PORT_LAN,
		.default_dev = "eth1",
		.live = &port_pcap_live_ops,
		.file = &port_pcap_file_ops,
	},
	{
		.name = "wan",
		.role = BRD_PORT_WAN,
		.default_dev = "eth0",
		.live = &port_pcap_live_ops,
		.file = &port_pcap_file_ops,
	},
};

/*
 * Three LEDs for six logical ones: the port LEDs show link and traffic, and
 * the red one is the one an office must notice: it blinks while an alert
 * is unacknowledged and is solid while a block holds. Power, mode and
 * faults are on the web page and the console.
 */
static const struct brd_led_desc nanopi_r2s_leds[] = {
	{.logical = LEDSM_LAN, .ops = &led_sysfs_ops, .name = "nanopi-r2s:green:lan"},
	{.logical = LEDSM_WAN, .ops = &led_sysfs_ops, .name = "nanopi-r2s:green:wan"},
	{.logical = LEDSM_ALERT, .ops = &led_sysfs_ops, .name = "nanopi-r2s:red:sys"},
};

const struct brd_desc brd_this = {
	.name = "nanopi-r2s",
	.ports = nanopi_r2s_ports,
	.n_ports = sizeof(nanopi_r2s_ports) / sizeof(nanopi_r2s_ports[0]),
	.recorder = &port_pcap_dump_ops,
	.storage = &stor_file_ops,
	.storage_dev = "/var/lib/leaktap",
	/*
	 * Locally administered; a fleet would derive it from the SoC's serial
	 * (the RK3328 efuse), as the board's own MACs are. mgmt.mac overrides.
	 */
	.mgmt_mac = {0x02, 0x1e, 0xa7, 0x00, 0x02, 0x01},
	.leds = nanopi_r2s_leds,
	.n_leds = sizeof(nanopi_r2s_leds) / sizeof(nanopi_r2s_leds[0]),
	/* UART2 on the debug header; 1500000 baud is set by the kernel command line. */
	.console = {.ops = &uart_stdio_ops, .dev = "/dev/ttyS2"},
};
