use juxuan_platform::config::Env;
use juxuan_platform::service::settings_or_exit;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `probe <url>` for the image's health check; the console has no schema to migrate.
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next()) {
        (None | Some("serve"), None) => {}
        (Some("probe"), Some(url)) => {
            return juxuan_platform::service::probe(&url).await;
        }
        _ => {
            eprintln!("usage: juxuan-console [serve | probe <http://host:port/path>]");
            std::process::exit(2);
        }
    }
    let settings = settings_or_exit(juxuan_console::Settings::read(Env::from_process()));
    let _telemetry = juxuan_platform::telemetry::init(
        juxuan_console::SERVICE,
        settings.otlp_endpoint.as_deref(),
    )?;
    let app = juxuan_console::App::build(settings).await?;
    let (trigger, shutdown) = juxuan_platform::shutdown::channel();
    tokio::spawn(async move {
        juxuan_platform::shutdown::os_signal().await;
        trigger.fire();
    });
    app.run_until_stopped(shutdown).await
}
