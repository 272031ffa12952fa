namespace GatewayErrors;
