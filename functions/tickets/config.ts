import { readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';
import { ticketCodeConfig } from '#shared/shows/ticket-code.ts';

const shape = { ...databaseConfig, ...ticketCodeConfig };

export const ticketsConfigKeys = Object.keys(shape);
export const loadTicketsConfig = () => readConfig(shape);
