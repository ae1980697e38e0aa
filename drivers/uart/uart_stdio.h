/*
 * Terminal / stdio console driver: u->dev is a tty path, or NULL for the
 * process's stdin (read) and stdout (write).
 */
#ifndef LEAKTAP_UART_STDIO_H
#define LEAKTAP_UART_STDIO_H

#include "uart.h"

extern const struct uart_ops uart_stdio_ops;

#endif /* LEAKTAP_UART_STDIO_H */
